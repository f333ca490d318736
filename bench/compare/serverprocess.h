#pragma once
// One server under test, run as a child process on a free loopback port with
// a throwaway configuration in a scratch directory, stopped when done.

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace longline::bench::compare {

enum class ServerKind
{
    Longline,
    Mosquitto,
    Redis,
    Floor // longline-floor: a reference for the least CPU a PING can cost, judged by no target
};

const char *serverName(ServerKind kind);

// Where each server's program is and whether it can be run here.
struct ServerProgram
{
    ServerKind kind;
    std::string path;    // empty when not installed
    std::string version; // first line of its version output
    int cpu = -1;        // the one CPU it runs on, or -1 for any
};

// Finds mosquitto and redis-server on PATH (and /usr/sbin); longline-server
// and longline-floor, built with the project, are at the path given.
ServerProgram findProgram(ServerKind kind, const std::string &builtPath);

class ServerProcess
{
public:
    ServerProcess(const ServerProgram &program, std::string workDir, int maxClients);
    ~ServerProcess();
    ServerProcess(const ServerProcess &) = delete;
    ServerProcess &operator=(const ServerProcess &) = delete;

    // Starts the server and waits until its port accepts connections.
    // False (with why()) when it did not start or exited.
    bool start(std::chrono::milliseconds timeout);
    void stop();
    bool running(); // reaps the child when it has exited

    pid_t pid() const { return m_pid; }
    uint16_t port() const { return m_port; }
    const std::string &why() const { return m_why; }
    std::string logTail() const; // the last lines the server wrote

private:
    std::vector<std::string> arguments() const;

    ServerProgram m_program;
    std::string m_workDir;
    int m_maxClients;
    pid_t m_pid = -1;
    bool m_exited = false;
    uint16_t m_port = 0;
    std::string m_why;
};

// A loopback TCP port nothing listens on right now.
uint16_t freeLoopbackPort();

} // namespace longline::bench::compare
