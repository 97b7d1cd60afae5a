/* LeakSanitizer checks the test workers, not Criterion's runner. Each test runs in a worker
 * process that Criterion (BoxFort) starts with BXFI_MAP in its environment, and a worker's
 * leak fails its test. The runner itself, the parent, sometimes ends with 48 bytes of its
 * own bookkeeping unfreed (calloc in libcriterion, no frame of ours; seen once in CI after
 * 783 of 783 tests passed): its exit check is turned off, and only its. */
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void)
{
	return getenv("BXFI_MAP") == NULL;
}
#endif
