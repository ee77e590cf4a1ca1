/* A process environment that names no AWS settings of the machine running the tests. */
#ifndef RIPOSTE_TEST_AWS_ENV_H
#define RIPOSTE_TEST_AWS_ENV_H

/* Unsets every AWS_* variable and keeps the SDK chain away from EC2 instance metadata. */
void aws_env_clear(void);

#endif
