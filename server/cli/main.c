#include <stdio.h>

int main(void)
{
    printf("riposte %s\n", RIPOSTE_VERSION);
    return 0;
}
