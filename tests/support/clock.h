/* Milliseconds, for tests that measure how long the server takes. */
#ifndef RIPOSTE_TEST_CLOCK_H
#define RIPOSTE_TEST_CLOCK_H

/* The monotonic clock. */
double now_ms(void);

void sleep_ms(int ms);

#endif
