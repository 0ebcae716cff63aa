/* engine_int.h — helpers shared by the files of engine/. */
#ifndef HASHSIM_ENGINE_INT_H
#define HASHSIM_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

/* vsnprintf into msg when msg is not NULL and size > 0. */
int eng_msg(char *msg, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* 1 when s is 1-7 characters of [A-Z0-9]. */
int eng_symbol_ok(const char *s);

/* A duration of n bytes ("300s", "1.5h", "12ms"; bare number: seconds) in
 * ns.  ENG_EPARSE, ENG_ERANGE (above 1e17 ns); *out untouched then. */
int eng_duration_parse(const char *s, size_t n, int64_t *out);

#endif /* HASHSIM_ENGINE_INT_H */
