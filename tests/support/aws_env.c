#include "support/aws_env.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

void aws_env_clear(void)
{
    char *names[256];
    int count = 0;

    /* Names are copied first: unsetenv changes environ under the loop. */
    for (char **e = environ; *e != NULL && count < 256; e++) {
        if (strncmp(*e, "AWS_", 4) == 0) {
            names[count++] = strndup(*e, strcspn(*e, "="));
        }
    }
    for (int i = 0; i < count; i++) {
        unsetenv(names[i]);
        free(names[i]);
    }
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}
