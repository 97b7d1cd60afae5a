/* The command line of a SIPp run that a unit test starts: the options every SIP test gives
 * (scenario, loopback address and ports, one or more calls, a timeout that fails the run,
 * message and error traces), then the test's own, then the target. */
#ifndef STROWGER_TESTS_UNIT_SIPP_ARGS_H
#define STROWGER_TESTS_UNIT_SIPP_ARGS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sipp_args {
	char path[PATH_MAX];		/* the scenario, tests/sip/NAME made absolute */
	char port[8], cport[8], mport[8], calls[8], target[32];
	const char *argv[48];
	int n;
};

/* sipp -sf tests/sip/SCENARIO -i 127.0.0.1 -p PORT -cp CPORT -mp MPORT -m CALLS
 * -timeout TIMEOUT -timeout_error -nostdin -trace_msg -message_file MSG -trace_err
 * -error_file ERR. The strings given must outlive the run's exec. */
void sipp_args_init(struct sipp_args *a, const char *scenario, uint16_t port, uint16_t cport,
		    uint16_t mport, unsigned calls, const char *timeout, const char *msg_file,
		    const char *err_file);

/* One more option, with its value unless val is NULL. */
void sipp_args_add(struct sipp_args *a, const char *opt, const char *val);

/* The target 127.0.0.1:TARGET (0: none, a UAS) and the closing NULL: the argv to exec. */
const char **sipp_args_end(struct sipp_args *a, uint16_t target);

/* Is there a socket on 127.0.0.1:port in /proc/net/TABLE ("udp", "tcp") whose line goes
 * on with tail ("": bound; "00000000:0000 0A ": a TCP listener)? Read from /proc, so that
 * probing never races the peer for its port. */
bool proc_net_has(const char *table, uint16_t port, const char *tail);

/* Start SIPp with argv, silent, in /tmp, killed if the test dies (PR_SET_PDEATHSIG).
 * Returns its pid (the test reaps it). */
pid_t sipp_spawn(const char **argv);

#endif
