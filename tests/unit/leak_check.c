/* tests/unit/leak_check.h */
#include "tests/unit/leak_check.h"

#include <criterion/criterion.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#endif

void leak_check_expect_none(void)
{
#ifdef __SANITIZE_ADDRESS__
	cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked (report above)");
#endif
}
