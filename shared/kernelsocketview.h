#pragma once
// The kernel's view of one TCP socket, sampled on demand: TCP_INFO through
// getsockopt, and the keepalive/retransmit timer through NETLINK_SOCK_DIAG
// (what `ss -tio` prints as timer:(keepalive,4.2sec,1)). Both work
// unprivileged for a process's own sockets. Linux only; elsewhere the view
// comes back invalid with an explanation.

#include <QString>
#include <QtGlobal>
#include <algorithm>
#include <array>
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

// Bytes of a socket's stream the peer acknowledged, as the kernel counts them
// (TCP_INFO's tcpi_bytes_acked, Linux 4.2 and later); nullopt where unknown.
// One getsockopt: for a verdict, not for every write.
std::optional<quint64> kernelBytesAcked(qintptr fd);

// When the data in flight on a socket was first sent, as UnackedSince tells
// it, but worked out only when a verdict asks instead of with an ioctl before
// every write: each write records where it starts in the stream and when, and
// the kernel's count of acknowledged bytes then picks the write that holds
// the first byte not acknowledged. A server answering PINGs saves a system
// call on each.
//
// It keeps the last few writes, and the first write after a pause (an
// "anchor"): a silent cut is typically found by a write after a quiet spell,
// and then that write dates the wait exactly however many follow it. When
// the byte is older than every write kept, the last ACK the kernel saw
// bounds the answer.
class SentBytesLog
{
public:
    // A write this long after the one before starts a new anchor: far longer
    // than a working path takes to acknowledge a line (delayed ACKs
    // included), so what was sent before it was most likely acknowledged.
    static constexpr Millis AnchorPause{1000};

    // After the kernel took `bytes` of a write at `now`. Writes within the
    // same millisecond share one record.
    void noteSent(Millis now, qint64 bytes)
    {
        if (bytes <= 0)
            return;
        const quint32 at = static_cast<quint32>(now.count());
        const bool first = m_count == 0;
        if (first || m_writes[m_newest].atMs != at) {
            if (first || at - m_writes[m_newest].atMs >= AnchorPause.count())
                m_anchor = Write{static_cast<quint32>(m_sent), at};
            m_newest = static_cast<quint8>((m_newest + 1) % Slots);
            m_writes[m_newest] = Write{static_cast<quint32>(m_sent), at};
            m_count = static_cast<quint8>(std::min(m_count + 1, Slots));
        }
        m_sent += static_cast<quint64>(bytes);
    }
    // A socket that carried `bytes` before this log took over (a hand-over).
    void startAt(quint64 bytes) { m_sent = bytes; }
    quint64 sent() const { return m_sent; }
    // How long the first byte not acknowledged has been in flight, given the
    // kernel's count `acked` and its view at the verdict; nullopt when all
    // was acknowledged (or the count is unknown and the view says so).
    std::optional<Millis> elapsed(Millis now, std::optional<quint64> acked,
                                  const KernelSocketView &view) const
    {
        // No longer than since the last ACK (plus a round trip): the data
        // acknowledged then was sent before anything still waiting.
        const std::optional<Millis> sinceAck =
            view.valid
                ? std::optional<Millis>(Millis{view.lastAckRecvMs} + Millis{view.rttUs / 1000 + 1})
                : std::nullopt;
        if (!acked)
            return view.valid && view.unacked > 0 ? sinceAck : std::nullopt;
        if (*acked >= m_sent)
            return std::nullopt;
        const quint64 inFlight = m_sent - *acked;
        const quint32 nowMs = static_cast<quint32>(now.count());
        // (32-bit differences: exact while less than 4 GiB is in flight.)
        const auto holds = [&](const Write &w) {
            return static_cast<quint32>(static_cast<quint32>(m_sent) - w.start) >= inFlight;
        };
        const auto age = [nowMs](const Write &w) {
            return Millis{static_cast<quint32>(nowMs - w.atMs)};
        };
        for (int i = 0; i < m_count; ++i) {
            const Write &w = m_writes[(m_newest + Slots - i) % Slots];
            if (holds(w))
                return age(w);
        }
        if (m_count == 0)
            return sinceAck;
        // Sent before every write kept: at least as old as the oldest; no
        // older than the anchor if it came at or after the anchor.
        Millis atLeast = age(m_writes[(m_newest + Slots - (m_count - 1)) % Slots]);
        std::optional<Millis> atMost = sinceAck;
        if (holds(m_anchor))
            atMost = atMost ? std::min(*atMost, age(m_anchor)) : age(m_anchor);
        else
            atLeast = std::max(atLeast, age(m_anchor));
        return atMost ? std::max(atLeast, *atMost) : atLeast;
    }

private:
    static constexpr int Slots = 3;
    struct Write
    {
        quint32 start; // the stream offset of its first byte, low 32 bits
        quint32 atMs;  // when, in monotonic milliseconds, low 32 bits
    };
    quint64 m_sent = 0;
    std::array<Write, Slots> m_writes{};
    Write m_anchor{};
    quint8 m_count = 0;
    quint8 m_newest = Slots - 1;
};

} // namespace longline
