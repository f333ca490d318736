#pragma once
// What the benchmark reads about a server process from /proc: its resident
// memory, its CPU time (all threads) and how many descriptors it holds.

#include <sys/types.h>

namespace longline::bench::compare {

// VmRSS in KiB from /proc/PID/status, or -1 when the process is gone.
long residentKiB(pid_t pid);

// CPU time of every live thread in seconds, to the nanosecond, from
// /proc/PID/task/*/schedstat (utime + stime from /proc/PID/stat, in 10 ms
// ticks, where schedstat is missing), or -1 when the process is gone. The
// measured servers keep their threads for the whole run, so a thread that
// ended inside a window is not a concern.
double cpuSeconds(pid_t pid);

// Open descriptors in /proc/PID/fd, or -1.
int openDescriptors(pid_t pid);

} // namespace longline::bench::compare
