#include "deathverdict.h"

namespace longline {

namespace {
constexpr int TcpStateClose = 7;
constexpr Millis TcpRtoMin{200};
} // namespace

bool DeathVerdict::isTimeout() const
{
    return cause == DeathCause::HeartbeatTimeout || cause == DeathCause::KeepaliveTimeout ||
           cause == DeathCause::UserTimeout || cause == DeathCause::RetransmitTimeout;
}

bool DeathVerdict::withinBudget(Millis margin) const
{
    return budget && detection <= *budget + margin;
}

QString DeathVerdict::causeName(DeathCause cause)
{
    switch (cause) {
    case DeathCause::HeartbeatTimeout:
        return QStringLiteral("heartbeat timeout");
    case DeathCause::KeepaliveTimeout:
        return QStringLiteral("kernel keepalive timeout");
    case DeathCause::UserTimeout:
        return QStringLiteral("TCP user timeout");
    case DeathCause::RetransmitTimeout:
        return QStringLiteral("retransmission timeout");
    case DeathCause::ResetByPeer:
        return QStringLiteral("reset by peer");
    case DeathCause::ClosedByPeer:
        return QStringLiteral("closed by peer");
    case DeathCause::LocalError:
        return QStringLiteral("local error");
    case DeathCause::LocalClose:
        return QStringLiteral("closed locally");
    }
    return QStringLiteral("unknown");
}

QString DeathVerdict::causeKey(DeathCause cause)
{
    switch (cause) {
    case DeathCause::HeartbeatTimeout:
        return QStringLiteral("heartbeat_timeout");
    case DeathCause::KeepaliveTimeout:
        return QStringLiteral("keepalive_timeout");
    case DeathCause::UserTimeout:
        return QStringLiteral("user_timeout");
    case DeathCause::RetransmitTimeout:
        return QStringLiteral("retransmit_timeout");
    case DeathCause::ResetByPeer:
        return QStringLiteral("reset_by_peer");
    case DeathCause::ClosedByPeer:
        return QStringLiteral("closed_by_peer");
    case DeathCause::LocalError:
        return QStringLiteral("local_error");
    case DeathCause::LocalClose:
        return QStringLiteral("local_close");
    }
    return QStringLiteral("unknown");
}

DeathVerdict::Timeliness DeathVerdict::timeliness() const
{
    if (!budget)
        return Timeliness::NoBudget;
    if (detection <= *budget)
        return Timeliness::WithinBudget;
    return detection <= *budget + SchedulingTolerance ? Timeliness::OnTime : Timeliness::Late;
}

QString DeathVerdict::describe() const
{
    QString s = causeName(cause) + QStringLiteral(" after ") + formatMillis(detection);
    switch (timeliness()) {
    case Timeliness::NoBudget:
        break;
    case Timeliness::WithinBudget:
        s += QStringLiteral(" (budget %1)").arg(formatMillis(*budget));
        break;
    case Timeliness::OnTime:
        s += QStringLiteral(" (budget %1; %2 over, within the %3 scheduling tolerance)")
                 .arg(formatMillis(*budget), formatMillis(detection - *budget),
                      formatMillis(SchedulingTolerance));
        break;
    case Timeliness::Late:
        s += QStringLiteral(" (budget %1, exceeded)").arg(formatMillis(*budget));
        break;
    }
    if (!detail.isEmpty() && cause == DeathCause::LocalError)
        s += QStringLiteral(": ") + detail;
    return s;
}

DeathVerdict classifySocketError(const ErrorContext &c)
{
    DeathVerdict v;
    v.detection = c.sinceLastHeard;
    v.detail = c.errorString;
    const LivenessSettings &s = c.settings;
    switch (c.error) {
    case QAbstractSocket::SocketTimeoutError: {
        // ETIMEDOUT from the kernel: decide which mechanism fired. Data in
        // flight means the retransmission path (user timeout or retries);
        // an idle socket with keepalive on means the probes went unanswered.
        const bool dataInFlight = c.lastSample && c.lastSample->valid && c.lastSample->unacked > 0;
        if (s.userTimeout.count() > 0 && (dataInFlight || !s.keepalive.enabled)) {
            v.cause = DeathCause::UserTimeout;
            // The kernel counts the user timeout from the first
            // retransmission, which comes one RTO (at least TCP_RTO_MIN,
            // 200 ms) after the unacknowledged send.
            v.budget = s.userTimeout + TcpRtoMin;
            if (c.sinceFirstUnacked && dataInFlight)
                v.detection = *c.sinceFirstUnacked;
        } else if (s.keepalive.enabled && !dataInFlight) {
            v.cause = DeathCause::KeepaliveTimeout;
            v.budget = s.keepalive.detectionBudget(s.userTimeout);
        } else {
            v.cause = DeathCause::RetransmitTimeout;
            if (c.sinceFirstUnacked && dataInFlight)
                v.detection = *c.sinceFirstUnacked;
        }
        break;
    }
    case QAbstractSocket::RemoteHostClosedError:
        // Qt reports a reset and a clean close alike. A reset leaves the
        // still-open socket in CLOSE; a FIN leaves it in CLOSE_WAIT (or Qt
        // has already closed the descriptor, which it does only on EOF).
        v.cause = (c.tcpStateNow && *c.tcpStateNow == TcpStateClose) ? DeathCause::ResetByPeer
                                                                     : DeathCause::ClosedByPeer;
        break;
    case QAbstractSocket::NetworkError:
        // ECONNRESET on write, EPIPE, EHOSTUNREACH and friends.
        v.cause = (c.tcpStateNow && *c.tcpStateNow == TcpStateClose &&
                   c.errorString.contains(QLatin1String("reset"), Qt::CaseInsensitive))
                      ? DeathCause::ResetByPeer
                      : DeathCause::LocalError;
        break;
    default:
        v.cause = DeathCause::LocalError;
        break;
    }
    return v;
}

} // namespace longline
