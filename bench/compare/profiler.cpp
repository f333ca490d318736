#include "profiler.h"

#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace longline::bench::compare {

namespace {

constexpr const char *Perf = "/usr/bin/perf";
constexpr const char *SampleHz = "4999"; // odd, so it does not beat with 1 s timers

pid_t spawn(const std::vector<std::string> &args, const std::string &output)
{
    const pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    std::vector<char *> argv;
    for (const std::string &a : args)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
}

} // namespace

Profiler::~Profiler()
{
    if (m_perf > 0) {
        kill(m_perf, SIGKILL);
        waitpid(m_perf, nullptr, 0);
    }
}

bool Profiler::start(pid_t pid, const std::string &dataFile)
{
    if (access(Perf, X_OK) != 0) {
        m_why = "perf is not installed (apt-get install linux-perf)";
        return false;
    }
    m_dataFile = dataFile;
    m_perf = spawn(
        {Perf, "record", "-q", "-g", "-F", SampleHz, "-p", std::to_string(pid), "-o", dataFile},
        dataFile + ".log");
    if (m_perf < 0) {
        m_why = "cannot start perf";
        return false;
    }
    return true;
}

bool Profiler::stop(const std::string &textFile)
{
    if (m_perf <= 0)
        return false;
    kill(m_perf, SIGINT); // perf record writes its data and exits
    int status = 0;
    waitpid(m_perf, &status, 0);
    m_perf = -1;
    const pid_t report = spawn(
        {Perf, "report", "--stdio", "--no-children", "--percent-limit", "1", "-i", m_dataFile},
        textFile);
    if (report < 0 || waitpid(report, &status, 0) != report || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        m_why = "perf report failed; see " + textFile;
        return false;
    }
    return true;
}

} // namespace longline::bench::compare
