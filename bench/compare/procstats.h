#pragma once
// What the benchmark reads about a server process from /proc: its resident
// memory, its CPU time (all threads) and how many descriptors it holds.

#include <sys/types.h>

namespace longline::bench::compare {

// VmRSS in KiB from /proc/PID/status, or -1 when the process is gone.
long residentKiB(pid_t pid);

// utime + stime of every thread (live and exited) from /proc/PID/stat, in
// seconds, or -1 when the process is gone. The kernel counts it in clock
// ticks (normally 10 ms), so windows are made long enough for that.
double cpuSeconds(pid_t pid);

// Open descriptors in /proc/PID/fd, or -1.
int openDescriptors(pid_t pid);

} // namespace longline::bench::compare
