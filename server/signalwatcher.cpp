#include "signalwatcher.h"

#include <QSocketNotifier>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace longline::server {

namespace {
int pipeFds[2] = {-1, -1}; // [0] read in the event loop, [1] written by the handler
} // namespace

SignalWatcher::SignalWatcher(std::initializer_list<int> signalNumbers, QObject *parent)
    : QObject(parent)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipeFds) != 0) {
        m_error =
            QStringLiteral("socketpair: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return;
    }
    // Never block inside a signal handler, even if the pipe were full.
    ::fcntl(pipeFds[1], F_SETFL, ::fcntl(pipeFds[1], F_GETFL) | O_NONBLOCK);
    m_notifier = new QSocketNotifier(pipeFds[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &SignalWatcher::onReadable);
    for (const int sig : signalNumbers) {
        struct sigaction sa;
        std::memset(&sa, 0, sizeof sa);
        sa.sa_handler = &SignalWatcher::handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        if (::sigaction(sig, &sa, nullptr) != 0)
            m_error = QStringLiteral("sigaction(%1): %2")
                          .arg(signalName(sig), QString::fromLocal8Bit(std::strerror(errno)));
    }
}

SignalWatcher::~SignalWatcher()
{
    delete m_notifier;
    m_notifier = nullptr;
    for (int &fd : pipeFds) {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

void SignalWatcher::handler(int signalNumber)
{
    const int savedErrno = errno;
    const unsigned char byte = static_cast<unsigned char>(signalNumber);
    if (pipeFds[1] >= 0) {
        // Nothing useful can be done about a failed write in a handler.
        const ssize_t written = ::write(pipeFds[1], &byte, 1);
        (void)written;
    }
    errno = savedErrno;
}

void SignalWatcher::onReadable()
{
    unsigned char bytes[16];
    const ssize_t n = ::read(pipeFds[0], bytes, sizeof bytes);
    for (ssize_t i = 0; i < n; ++i)
        Q_EMIT received(bytes[i]);
}

QString SignalWatcher::signalName(int signalNumber)
{
    switch (signalNumber) {
    case SIGINT:
        return QStringLiteral("SIGINT");
    case SIGTERM:
        return QStringLiteral("SIGTERM");
    case SIGHUP:
        return QStringLiteral("SIGHUP");
    case SIGQUIT:
        return QStringLiteral("SIGQUIT");
    }
    return QStringLiteral("signal %1").arg(signalNumber);
}

} // namespace longline::server
