#include "procstats.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <string>
#include <unistd.h>

namespace longline::bench::compare {

long residentKiB(pid_t pid)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/status";
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, "VmRSS:", 6) == 0) {
            kib = std::strtol(line + 6, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return kib;
}

namespace {

// utime + stime from /proc/PID/stat: whole clock ticks (normally 10 ms).
double cpuSecondsFromStat(pid_t pid)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f)
        return -1;
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // The command name (field 2) may contain spaces: count fields after its ')'.
    const char *p = std::strrchr(buf, ')');
    if (!p)
        return -1;
    // Fields after ')': 3 state ... 14 utime, 15 stime.
    int field = 2;
    unsigned long long utime = 0, stime = 0;
    for (const char *q = p + 1; *q; ++q) {
        if (*q != ' ')
            continue;
        ++field;
        if (field == 14)
            utime = std::strtoull(q + 1, nullptr, 10);
        else if (field == 15) {
            stime = std::strtoull(q + 1, nullptr, 10);
            break;
        }
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

} // namespace

double cpuSeconds(pid_t pid)
{
    // The scheduler's own runtime of every live thread, in nanoseconds
    // (/proc/PID/task/TID/schedstat, first field): the figure utime and
    // stime are derived from, without their 10 ms steps.
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR *d = opendir(dir.c_str());
    if (!d)
        return -1;
    unsigned long long ns = 0;
    bool any = false;
    while (dirent *e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        FILE *f = std::fopen((dir + "/" + e->d_name + "/schedstat").c_str(), "r");
        if (!f)
            continue; // the thread ended meanwhile
        unsigned long long run = 0;
        if (std::fscanf(f, "%llu", &run) == 1) {
            ns += run;
            any = true;
        }
        std::fclose(f);
    }
    closedir(d);
    // Kernels without schedstat: fall back to the ticks.
    return any ? double(ns) / 1e9 : cpuSecondsFromStat(pid);
}

int openDescriptors(pid_t pid)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/fd";
    DIR *d = opendir(path.c_str());
    if (!d)
        return -1;
    int count = 0;
    while (dirent *e = readdir(d))
        if (e->d_name[0] != '.')
            ++count;
    closedir(d);
    return count;
}

} // namespace longline::bench::compare
