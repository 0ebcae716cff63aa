/* main.c — the hashsim program's entry point. */
#include <gsl/gsl_errno.h>

#include "app/app.h"

int main(int argc, char **argv)
{
    /* GSL reports failures through return codes, never by aborting. */
    gsl_set_error_handler_off();
    return app_main(argc, argv);
}
