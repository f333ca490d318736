#pragma once
// The kernel's view of one TCP socket, sampled on demand: TCP_INFO through
// getsockopt, and the keepalive/retransmit timer through NETLINK_SOCK_DIAG
// (what `ss -tio` prints as timer:(keepalive,4.2sec,1)). Both work
// unprivileged for a process's own sockets. Linux only; elsewhere the view
// comes back invalid with an explanation.

#include <QString>
#include <QtGlobal>
#include <algorithm>
#include <chrono>
#include <optional>

namespace longline {

struct KernelSocketView
{
    enum class Timer
    {
        None = 0,
        Retransmit = 1,
        Keepalive = 2,
        TimeWait = 3,
        ZeroWindowProbe = 4
    };

    bool valid = false;
    QString error;

    // From TCP_INFO.
    int state = 0;     // TCP_ESTABLISHED = 1, TCP_CLOSE = 7, TCP_CLOSE_WAIT = 8 ...
    quint32 rttUs = 0; // smoothed round-trip time
    quint32 rttVarUs = 0;
    quint32 lastDataSentMs = 0; // since the last data segment sent
    quint32 lastDataRecvMs = 0; // since the last data segment received
    quint32 lastAckRecvMs = 0;  // since the last ACK received (probe answers count)
    quint8 probes = 0;          // unanswered keepalive / zero-window probes
    quint8 backoff = 0;
    quint8 retransmits = 0; // retransmissions of the current segment
    quint32 totalRetrans = 0;
    quint32 unacked = 0; // segments sent and not acknowledged

    // From NETLINK_SOCK_DIAG.
    bool timerKnown = false;
    Timer timer = Timer::None;
    quint32 timerExpiresMs = 0; // time left until the timer fires
    quint32 timerRetrans = 0;   // for keepalive: probes sent and unanswered

    static QString stateName(int state);
    static QString timerName(Timer t);
    QString describe() const; // one line, like ss -tio
};

// Samples TCP_INFO, and the timer too when `withTimer` (one netlink round trip).
KernelSocketView sampleKernelView(qintptr fd, bool withTimer = true);

// Bytes in the kernel's send queue, not yet sent or not yet acknowledged
// (SIOCOUTQ): 0 means everything sent was acknowledged. -1 on error. One
// cheap ioctl, unlike TCP_INFO.
int kernelSendQueueBytes(qintptr fd);

// When the data now in flight on a socket was first sent: call note()
// just before each write; a write that finds the kernel's send queue empty
// starts a new unacknowledged period. The user timeout and retransmission
// verdicts count from there, as the kernel does.
using Millis = std::chrono::milliseconds;

class UnackedSince
{
public:
    void note(qintptr fd, Millis now)
    {
        if (!m_since || kernelSendQueueBytes(fd) == 0)
            m_since = now;
    }
    void reset() { m_since.reset(); }
    std::optional<Millis> elapsed(Millis now) const
    {
        if (!m_since)
            return std::nullopt;
        return now - *m_since;
    }
    // The same, no older than what the kernel says now: while ACKs keep
    // coming the oldest unacknowledged data left after the last of them
    // (a steady stream never finds the send queue empty).
    std::optional<Millis> elapsed(Millis now, const KernelSocketView &view) const
    {
        std::optional<Millis> e = elapsed(now);
        if (e && view.valid)
            e = std::min(*e, Millis{view.lastAckRecvMs} + Millis{view.rttUs / 1000 + 1});
        return e;
    }

private:
    std::optional<Millis> m_since;
};

} // namespace longline
