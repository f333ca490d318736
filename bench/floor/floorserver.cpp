// longline-floor: the least a line server can do, a calibration point for
// `longline-bench compare`, not a server. The CPU targets of the comparison
// are ratios to mosquitto; this program shows how low that ratio can go on
// this kernel with this load generator when the server does no work at all.
//
// One thread, one epoll set. Each client is edge-triggered; one readiness
// costs one recv() into a buffer shared by all clients and, when there is
// anything to answer, one send(): with epoll_wait that is three system calls
// per PING. `HELLO <nick>` is answered `WELCOME <nick>`, `PING <token>`
// `PONG <token>`, every other line is ignored.
//
// It keeps no state per connection beyond the kernel's, so it cuts corners a
// server must not: a line split across two reads is dropped, and answers the
// socket's send buffer will not take at once are dropped too. The bench's
// lines are short and written whole, so neither happens under its load.

#include <arpa/inet.h>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr int Version = 1;
constexpr size_t ReadBytes = 64 * 1024;
// An answer is at most two bytes longer than the line it answers and the
// shortest line answered ("HELLO \n") is 7 bytes, so the answers to one read
// never reach twice its size.
constexpr size_t WriteBytes = 2 * ReadBytes;
constexpr int EventsPerWait = 1024;

// Shared by every connection: nothing of a read outlives its handling.
char g_in[ReadBytes];
char g_out[WriteBytes];

void usage(FILE *to)
{
    std::fprintf(to, "Usage: longline-floor --listen HOST:PORT\n"
                     "The least a line server can do: answers HELLO with WELCOME and PING with "
                     "PONG, nothing else. A calibration point for longline-bench compare, not a "
                     "server.\n"
                     "  --listen   IPv4 address and port to listen on, e.g. 127.0.0.1:7000\n"
                     "  --version  print the version and exit\n");
}

bool parseListen(const std::string &text, sockaddr_in &address)
{
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos)
        return false;
    const std::string host = text.substr(0, colon);
    const std::string port = text.substr(colon + 1);
    char *end = nullptr;
    const long number = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || number < 0 || number > 65535)
        return false;
    address = sockaddr_in{};
    address.sin_family = AF_INET;
    address.sin_port = htons(uint16_t(number));
    return inet_pton(AF_INET, host.c_str(), &address.sin_addr) == 1;
}

// The bench holds up to ~20,000 connections; the soft limit is often 1,024.
void raiseDescriptorLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

int listenOn(const sockaddr_in &address)
{
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0 ||
        listen(fd, SOMAXCONN) != 0) {
        const int error = errno;
        close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

// Takes every connection waiting. No TCP_NODELAY: in this load every answer
// follows a request that acknowledged all sent before, so Nagle never holds
// one back, and the floor does nothing it does not need.
void acceptAll(int epoll, int listener)
{
    for (;;) {
        const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return; // all taken
            // Out of descriptors (or memory): the listener would stay ready
            // and spin. A calibration that cannot hold N is no figure: stop.
            std::fprintf(stderr, "longline-floor: accept: %s\n", std::strerror(errno));
            std::exit(1);
        }
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
        event.data.fd = fd;
        if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0)
            close(fd);
    }
}

bool startsWith(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

size_t writeAnswer(std::string_view word, std::string_view rest, char *out)
{
    std::memcpy(out, word.data(), word.size());
    std::memcpy(out + word.size(), rest.data(), rest.size());
    out[word.size() + rest.size()] = '\n';
    return word.size() + rest.size() + 1;
}

// Bytes written to `out` in answer to one line (without its newline).
size_t answerLine(std::string_view line, char *out)
{
    if (startsWith(line, "PING "))
        return writeAnswer("PONG ", line.substr(5), out);
    if (startsWith(line, "HELLO "))
        return writeAnswer("WELCOME ", line.substr(6), out);
    return 0;
}

// Answers every complete line of one read into g_out; returns the bytes.
size_t answerLines(const char *in, size_t size)
{
    size_t written = 0;
    const char *const end = in + size;
    while (in < end) {
        const auto *newline = static_cast<const char *>(std::memchr(in, '\n', size_t(end - in)));
        if (!newline)
            break; // an unfinished line: the floor keeps nothing to finish it with
        std::string_view line(in, size_t(newline - in));
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        written += answerLine(line, g_out + written);
        in = newline + 1;
    }
    return written;
}

// Reads what the client sent and answers it. False when the connection was
// closed (end of stream or an error).
bool serveReadable(int fd)
{
    for (;;) {
        const ssize_t got = recv(fd, g_in, sizeof g_in, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        if (got <= 0) {
            close(fd);
            return false;
        }
        const size_t answers = answerLines(g_in, size_t(got));
        // A short or refused send loses answers; only a broken socket matters.
        if (answers > 0 && send(fd, g_out, answers, MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
            errno != EWOULDBLOCK && errno != EINTR) {
            close(fd);
            return false;
        }
        // Edge-triggered: a read that did not fill the buffer took everything.
        if (size_t(got) < sizeof g_in)
            return true;
    }
}

void serve(int fd, uint32_t events)
{
    if (!serveReadable(fd))
        return;
    // Data and the end of stream can arrive as one edge: the read above took
    // the data, and no further edge would report the end.
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        close(fd);
}

int run(const sockaddr_in &address)
{
    raiseDescriptorLimit();
    const int listener = listenOn(address);
    if (listener < 0) {
        std::fprintf(stderr, "longline-floor: cannot listen: %s\n", std::strerror(errno));
        return 1;
    }
    const int epoll = epoll_create1(EPOLL_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listener;
    if (epoll < 0 || epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event) != 0) {
        std::fprintf(stderr, "longline-floor: epoll: %s\n", std::strerror(errno));
        return 1;
    }
    epoll_event events[EventsPerWait];
    for (;;) {
        const int ready = epoll_wait(epoll, events, EventsPerWait, -1);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0) {
            std::fprintf(stderr, "longline-floor: epoll_wait: %s\n", std::strerror(errno));
            return 1;
        }
        for (int i = 0; i < ready; ++i) {
            if (events[i].data.fd == listener)
                acceptAll(epoll, listener);
            else
                serve(events[i].data.fd, events[i].events);
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    sockaddr_in address{};
    bool listenGiven = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--version") {
            std::printf("longline-floor %d\n", Version);
            return 0;
        }
        if (arg == "-h" || arg == "--help") {
            usage(stdout);
            return 0;
        }
        if (arg == "--listen" && i + 1 < argc && parseListen(argv[i + 1], address)) {
            listenGiven = true;
            ++i;
            continue;
        }
        std::fprintf(stderr, "longline-floor: bad or incomplete option '%s'\n", arg.c_str());
        usage(stderr);
        return 2;
    }
    if (!listenGiven) {
        std::fprintf(stderr, "longline-floor: --listen HOST:PORT is required\n");
        usage(stderr);
        return 2;
    }
    return run(address);
}
