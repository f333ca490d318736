#include "serverprocess.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sched.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace longline::bench::compare {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto ReadyPoll = std::chrono::milliseconds(50);
constexpr auto StopGrace = std::chrono::seconds(5);

bool executable(const std::string &path)
{
    return !path.empty() && access(path.c_str(), X_OK) == 0;
}

std::string onPath(const std::string &name)
{
    const char *path = std::getenv("PATH");
    std::string dirs = std::string(path ? path : "") + ":/usr/sbin:/usr/bin:/sbin";
    std::stringstream ss(dirs);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        const std::string candidate = dir + "/" + name;
        if (!dir.empty() && executable(candidate))
            return candidate;
    }
    return {};
}

// The first line a program prints for its version flag.
std::string versionLine(const std::string &path, const char *flag)
{
    const std::string cmd = "'" + path + "' " + flag + " 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        return {};
    char line[256] = {0};
    if (!std::fgets(line, sizeof line, p))
        line[0] = '\0';
    pclose(p);
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    return s;
}

bool canConnect(uint16_t port)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    close(fd);
    return ok;
}

// mkdir -p
void makeDirectories(const std::string &path)
{
    for (size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1))
        mkdir(path.substr(0, slash).c_str(), 0755);
    mkdir(path.c_str(), 0755);
}

} // namespace

const char *serverName(ServerKind kind)
{
    switch (kind) {
    case ServerKind::Longline:
        return "longline-server";
    case ServerKind::Mosquitto:
        return "mosquitto";
    case ServerKind::Redis:
        return "redis-server";
    case ServerKind::Floor:
        return "floor";
    }
    return "?";
}

ServerProgram findProgram(ServerKind kind, const std::string &builtPath)
{
    ServerProgram p{kind, {}, {}};
    switch (kind) {
    case ServerKind::Longline:
    case ServerKind::Floor:
        if (executable(builtPath))
            p.path = builtPath;
        break;
    case ServerKind::Mosquitto:
        p.path = onPath("mosquitto");
        break;
    case ServerKind::Redis:
        p.path = onPath("redis-server");
        break;
    }
    if (!p.path.empty())
        p.version = versionLine(p.path, kind == ServerKind::Mosquitto ? "-h" : "--version");
    return p;
}

uint16_t freeLoopbackPort()
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    uint16_t port = 0;
    if (bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

ServerProcess::ServerProcess(const ServerProgram &program, std::string workDir, int maxClients)
    : m_program(program), m_workDir(std::move(workDir)), m_maxClients(maxClients)
{
}

ServerProcess::~ServerProcess()
{
    stop();
}

std::vector<std::string> ServerProcess::arguments() const
{
    const std::string port = std::to_string(m_port);
    switch (m_program.kind) {
    case ServerKind::Longline:
        // The default heartbeat (15,10) stays on; client PINGs are not rate
        // limited (the bench pings one connection many times a second at
        // small N) and every connection comes from a few source addresses.
        return {m_program.path,
                "--listen",
                "127.0.0.1:" + port,
                "--db",
                m_workDir + "/history.db",
                "--max-clients",
                std::to_string(m_maxClients),
                "--max-per-address",
                std::to_string(m_maxClients),
                "--rate",
                "0",
                "--min-client-ping",
                "0",
                "--log",
                m_workDir + "/server.log"};
    case ServerKind::Mosquitto: {
        const std::string conf = m_workDir + "/mosquitto.conf";
        std::ofstream out(conf);
        out << "listener " << port << " 127.0.0.1\n"
            << "allow_anonymous true\n"
            << "max_connections -1\n"
            << "persistence false\n"
            << "log_dest stderr\n"
            << "log_type error\n"
            << "log_type warning\n";
        return {m_program.path, "-c", conf};
    }
    case ServerKind::Redis:
        // Protected mode would refuse the 127.0.x.y sources (it trusts only
        // 127.0.0.1 and ::1); the server listens on loopback only anyway.
        return {m_program.path,
                "--port",
                port,
                "--bind",
                "127.0.0.1",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxclients",
                std::to_string(m_maxClients),
                "--dir",
                m_workDir,
                "--daemonize",
                "no"};
    case ServerKind::Floor:
        // It has no limits, history or heartbeat to configure.
        return {m_program.path, "--listen", "127.0.0.1:" + port};
    }
    return {};
}

bool ServerProcess::start(std::chrono::milliseconds timeout)
{
    // What an earlier run left here (a history of the same client ids
    // would turn every SAYID of this one into a duplicate, acknowledged and
    // never delivered) goes first: every run starts from nothing.
    std::error_code ignored;
    std::filesystem::remove_all(m_workDir, ignored);
    makeDirectories(m_workDir);
    m_port = freeLoopbackPort();
    if (m_port == 0) {
        m_why = "no free loopback port";
        return false;
    }
    const std::vector<std::string> args = arguments();
    const std::string output = m_workDir + "/output.log";
    const pid_t pid = fork();
    if (pid < 0) {
        m_why = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        // The server must not outlive the bench, whatever ends the bench.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (m_program.cpu >= 0) {
            cpu_set_t cpus;
            CPU_ZERO(&cpus);
            CPU_SET(m_program.cpu, &cpus);
            (void)sched_setaffinity(0, sizeof cpus, &cpus); // before exec: every thread
        }
        const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
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
    m_pid = pid;
    m_exited = false;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (!running()) {
            m_why = "exited at start: " + logTail();
            return false;
        }
        if (canConnect(m_port))
            return true;
        std::this_thread::sleep_for(ReadyPoll);
    }
    m_why = "did not listen within " + std::to_string(timeout.count()) + " ms";
    stop();
    return false;
}

bool ServerProcess::running()
{
    if (m_pid <= 0 || m_exited)
        return false;
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) == 0)
        return true;
    m_exited = true;
    return false;
}

void ServerProcess::stop()
{
    if (!running()) {
        m_pid = -1;
        return;
    }
    kill(m_pid, SIGTERM);
    const auto deadline = Clock::now() + StopGrace;
    int status = 0;
    while (waitpid(m_pid, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, &status, 0);
            break;
        }
        std::this_thread::sleep_for(ReadyPoll);
    }
    m_pid = -1;
}

std::string ServerProcess::logTail() const
{
    std::string text;
    for (const char *name : {"/output.log", "/server.log"}) {
        std::ifstream in(m_workDir + name);
        std::string line;
        std::vector<std::string> lines;
        while (std::getline(in, line))
            lines.push_back(line);
        for (size_t i = lines.size() > 3 ? lines.size() - 3 : 0; i < lines.size(); ++i)
            text += lines[i] + " | ";
    }
    return text;
}

} // namespace longline::bench::compare
