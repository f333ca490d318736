#include "kernelsocketview.h"

#include <cerrno>
#include <cstring>

#if defined(Q_OS_LINUX)
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace longline {

QString KernelSocketView::stateName(int state)
{
    static const char *names[] = {"?",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
                                  "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
                                  "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};
    if (state >= 0 && state < int(sizeof names / sizeof *names))
        return QLatin1String(names[state]);
    return QString::number(state);
}

QString KernelSocketView::timerName(Timer t)
{
    switch (t) {
    case Timer::None:
        return QStringLiteral("off");
    case Timer::Retransmit:
        return QStringLiteral("on");
    case Timer::Keepalive:
        return QStringLiteral("keepalive");
    case Timer::TimeWait:
        return QStringLiteral("timewait");
    case Timer::ZeroWindowProbe:
        return QStringLiteral("persist");
    }
    return QStringLiteral("?");
}

QString KernelSocketView::describe() const
{
    if (!valid)
        return QStringLiteral("kernel view unavailable: ") + error;
    QString s = QStringLiteral("%1 rtt:%2/%3ms lastsnd:%4 lastrcv:%5 lastack:%6 unacked:%7 "
                               "retrans:%8/%9 probes:%10 backoff:%11")
                    .arg(stateName(state))
                    .arg(rttUs / 1000.0, 0, 'f', 3)
                    .arg(rttVarUs / 1000.0, 0, 'f', 3)
                    .arg(lastDataSentMs)
                    .arg(lastDataRecvMs)
                    .arg(lastAckRecvMs)
                    .arg(unacked)
                    .arg(retransmits)
                    .arg(totalRetrans)
                    .arg(probes)
                    .arg(backoff);
    if (timerKnown)
        s += QStringLiteral(" timer:(%1,%2sec,%3)")
                 .arg(timerName(timer))
                 .arg(timerExpiresMs / 1000.0, 0, 'f', 3)
                 .arg(timerRetrans);
    return s;
}

#if defined(Q_OS_LINUX)

namespace {

// Asks NETLINK_SOCK_DIAG for the one socket matching fd's addresses.
bool sampleTimer(int fd, KernelSocketView &view)
{
    sockaddr_storage local{}, peer{};
    socklen_t llen = sizeof local, plen = sizeof peer;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &llen) != 0 ||
        ::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &plen) != 0) {
        view.error = QStringLiteral("socket addresses unavailable: %1")
                         .arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    struct
    {
        nlmsghdr nlh;
        inet_diag_req_v2 req;
    } request{};
    request.nlh.nlmsg_len = sizeof request;
    request.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    request.nlh.nlmsg_flags = NLM_F_REQUEST;
    request.nlh.nlmsg_seq = 1;
    request.req.sdiag_family = static_cast<quint8>(local.ss_family);
    request.req.sdiag_protocol = IPPROTO_TCP;
    request.req.idiag_states = ~0u;
    request.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    request.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    if (local.ss_family == AF_INET) {
        const auto *l = reinterpret_cast<const sockaddr_in *>(&local);
        const auto *p = reinterpret_cast<const sockaddr_in *>(&peer);
        request.req.id.idiag_sport = l->sin_port;
        request.req.id.idiag_dport = p->sin_port;
        std::memcpy(request.req.id.idiag_src, &l->sin_addr, 4);
        std::memcpy(request.req.id.idiag_dst, &p->sin_addr, 4);
    } else if (local.ss_family == AF_INET6) {
        const auto *l = reinterpret_cast<const sockaddr_in6 *>(&local);
        const auto *p = reinterpret_cast<const sockaddr_in6 *>(&peer);
        request.req.id.idiag_sport = l->sin6_port;
        request.req.id.idiag_dport = p->sin6_port;
        std::memcpy(request.req.id.idiag_src, &l->sin6_addr, 16);
        std::memcpy(request.req.id.idiag_dst, &p->sin6_addr, 16);
    } else {
        view.error = QStringLiteral("not an inet socket");
        return false;
    }

    const int nl = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (nl < 0) {
        view.error =
            QStringLiteral("netlink socket: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    timeval tv{0, 200000}; // never block the event loop for long
    ::setsockopt(nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    bool found = false;
    if (::sendto(nl, &request, sizeof request, 0, reinterpret_cast<sockaddr *>(&kernel),
                 sizeof kernel) == static_cast<ssize_t>(sizeof request)) {
        alignas(nlmsghdr) char buffer[8192];
        const ssize_t n = ::recv(nl, buffer, sizeof buffer, 0);
        if (n > 0) {
            // Unsigned, as nlmsg_len is: NLMSG_OK compares the two.
            unsigned int len = static_cast<unsigned int>(n);
            for (auto *h = reinterpret_cast<nlmsghdr *>(buffer); NLMSG_OK(h, len);
                 h = NLMSG_NEXT(h, len)) {
                if (h->nlmsg_type == NLMSG_ERROR) {
                    const auto *err = static_cast<const nlmsgerr *>(NLMSG_DATA(h));
                    view.error = QStringLiteral("sock_diag: %1")
                                     .arg(QString::fromLocal8Bit(std::strerror(-err->error)));
                    break;
                }
                if (h->nlmsg_type == NLMSG_DONE)
                    break;
                const auto *msg = static_cast<const inet_diag_msg *>(NLMSG_DATA(h));
                view.timerKnown = true;
                view.timer = static_cast<KernelSocketView::Timer>(msg->idiag_timer);
                view.timerExpiresMs = msg->idiag_expires;
                view.timerRetrans = msg->idiag_retrans;
                found = true;
                break;
            }
        } else {
            view.error = QStringLiteral("sock_diag recv: %1")
                             .arg(QString::fromLocal8Bit(std::strerror(errno)));
        }
    } else {
        view.error =
            QStringLiteral("sock_diag send: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    }
    ::close(nl);
    return found;
}

} // namespace

KernelSocketView sampleKernelView(qintptr socket, bool withTimer)
{
    KernelSocketView view;
    const int fd = static_cast<int>(socket);
    if (fd < 0) {
        view.error = QStringLiteral("no socket");
        return view;
    }
    tcp_info info{};
    socklen_t len = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
        view.error =
            QStringLiteral("TCP_INFO: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return view;
    }
    view.valid = true;
    view.state = info.tcpi_state;
    view.rttUs = info.tcpi_rtt;
    view.rttVarUs = info.tcpi_rttvar;
    view.lastDataSentMs = info.tcpi_last_data_sent;
    view.lastDataRecvMs = info.tcpi_last_data_recv;
    view.lastAckRecvMs = info.tcpi_last_ack_recv;
    view.probes = info.tcpi_probes;
    view.backoff = info.tcpi_backoff;
    view.retransmits = info.tcpi_retransmits;
    view.totalRetrans = info.tcpi_total_retrans;
    view.unacked = info.tcpi_unacked;
    if (withTimer)
        sampleTimer(fd, view);
    return view;
}

int kernelSendQueueBytes(qintptr fd)
{
    int bytes = 0;
    return ::ioctl(static_cast<int>(fd), SIOCOUTQ, &bytes) == 0 ? bytes : -1;
}

#else

int kernelSendQueueBytes(qintptr)
{
    return -1;
}

KernelSocketView sampleKernelView(qintptr, bool)
{
    KernelSocketView view;
    view.error = QStringLiteral("TCP_INFO and sock_diag are Linux only");
    return view;
}

#endif

} // namespace longline
