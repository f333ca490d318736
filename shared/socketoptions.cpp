#include "socketoptions.h"

#include <QCoreApplication>
#include <cerrno>
#include <cstring>

#if defined(Q_OS_LINUX)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#define LONGLINE_HAVE_TCP_OPTIONS 1
#else
#define LONGLINE_HAVE_TCP_OPTIONS 0
#endif

namespace longline {

QString EffectiveSocketOptions::describe() const
{
    // Shown in the desktop client's settings and event log, hence
    // translatable; English without a translator (cli, server, tests).
    if (!valid)
        return QCoreApplication::translate("SocketOptions", "unknown (socket not readable)");
    QString s = keepaliveOn ? QCoreApplication::translate("SocketOptions", "keepalive %1,%2,%3")
                                  .arg(idleS)
                                  .arg(intervalS)
                                  .arg(count)
                            : QCoreApplication::translate("SocketOptions", "keepalive off");
    s += userTimeoutMs > 0 ? QCoreApplication::translate("SocketOptions", ", user-timeout %1 ms")
                                 .arg(userTimeoutMs)
                           : QCoreApplication::translate("SocketOptions", ", user-timeout off");
    return s;
}

bool SocketOptionsReport::matches(const KeepaliveOptions &keepalive, Millis userTimeout) const
{
    if (!effective.valid || effective.keepaliveOn != keepalive.enabled ||
        effective.userTimeoutMs != userTimeout.count())
        return false;
    if (!keepalive.enabled)
        return true;
    return effective.idleS == keepalive.idleS && effective.intervalS == keepalive.intervalS &&
           effective.count == keepalive.count;
}

#if LONGLINE_HAVE_TCP_OPTIONS

namespace {
bool setInt(int fd, int level, int name, int value, const char *what, QStringList *errors)
{
    if (::setsockopt(fd, level, name, &value, sizeof value) == 0)
        return true;
    const int err = errno;
    if (errors)
        errors->append(QStringLiteral("setsockopt(%1, %2) failed: %3")
                           .arg(QLatin1String(what))
                           .arg(value)
                           .arg(QString::fromLocal8Bit(std::strerror(err))));
    return false;
}

bool getInt(int fd, int level, int name, int *value, const char *what, QStringList *errors)
{
    socklen_t len = sizeof *value;
    if (::getsockopt(fd, level, name, value, &len) == 0)
        return true;
    const int err = errno;
    if (errors)
        errors->append(QStringLiteral("getsockopt(%1) failed: %2")
                           .arg(QLatin1String(what), QString::fromLocal8Bit(std::strerror(err))));
    return false;
}
} // namespace

SocketOptionsReport applySocketOptions(qintptr socket, const KeepaliveOptions &keepalive,
                                       Millis userTimeout)
{
    SocketOptionsReport report;
    const int fd = static_cast<int>(socket);
    if (fd < 0) {
        report.errors.append(QStringLiteral("no socket to apply options to"));
        return report;
    }
    if (keepalive.enabled) {
        // Timers first, so the first probe never runs on the system defaults.
        setInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, keepalive.idleS, "TCP_KEEPIDLE", &report.errors);
        setInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, keepalive.intervalS, "TCP_KEEPINTVL",
               &report.errors);
        setInt(fd, IPPROTO_TCP, TCP_KEEPCNT, keepalive.count, "TCP_KEEPCNT", &report.errors);
        setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE", &report.errors);
    } else {
        setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 0, "SO_KEEPALIVE", &report.errors);
    }
    const qint64 ut = userTimeout.count();
    if (ut < 0 || ut > 0x7fffffff)
        report.errors.append(QStringLiteral("user timeout %1 ms is out of range").arg(ut));
    else
        setInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, static_cast<int>(ut), "TCP_USER_TIMEOUT",
               &report.errors);
    report.effective = readSocketOptions(socket, &report.errors);
    if (report.effective.valid && !report.matches(keepalive, userTimeout))
        report.errors.append(QStringLiteral("kernel holds %1 instead of what was asked")
                                 .arg(report.effective.describe()));
    return report;
}

EffectiveSocketOptions readSocketOptions(qintptr socket, QStringList *errors)
{
    EffectiveSocketOptions e;
    const int fd = static_cast<int>(socket);
    if (fd < 0)
        return e;
    int on = 0;
    bool ok = getInt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, "SO_KEEPALIVE", errors);
    ok = getInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &e.idleS, "TCP_KEEPIDLE", errors) && ok;
    ok = getInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &e.intervalS, "TCP_KEEPINTVL", errors) && ok;
    ok = getInt(fd, IPPROTO_TCP, TCP_KEEPCNT, &e.count, "TCP_KEEPCNT", errors) && ok;
    unsigned int ut = 0;
    socklen_t len = sizeof ut;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, &len) != 0) {
        ok = false;
        if (errors)
            errors->append(QStringLiteral("getsockopt(TCP_USER_TIMEOUT) failed: %1")
                               .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    e.keepaliveOn = on != 0;
    e.userTimeoutMs = static_cast<int>(ut);
    e.valid = ok;
    return e;
}

#else

SocketOptionsReport applySocketOptions(qintptr, const KeepaliveOptions &, Millis)
{
    SocketOptionsReport report;
    report.supported = false;
    report.errors.append(QStringLiteral(
        "per-socket keepalive timers and TCP_USER_TIMEOUT are not supported on this system"));
    return report;
}

EffectiveSocketOptions readSocketOptions(qintptr, QStringList *errors)
{
    if (errors)
        errors->append(QStringLiteral("reading TCP options is not supported on this system"));
    return {};
}

#endif

} // namespace longline
