#pragma once
// `perf record` of the server under test while the bench drives it, and the
// report as text: where the server's cycles go, for targets it misses.

#include <string>
#include <sys/types.h>

namespace longline::bench::compare {

class Profiler
{
public:
    ~Profiler();

    // Starts sampling `pid` with call graphs into `dataFile`; false (with
    // why()) when perf is not installed or did not start.
    bool start(pid_t pid, const std::string &dataFile);
    // Stops sampling and writes `perf report --stdio` into `textFile`.
    bool stop(const std::string &textFile);
    const std::string &why() const { return m_why; }

private:
    pid_t m_perf = -1;
    std::string m_dataFile;
    std::string m_why;
};

} // namespace longline::bench::compare
