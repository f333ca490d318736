#pragma once
// What the status pane's timeline plots, on the monotonic clock: heartbeat
// pings and their round trips, keepalive probe exchanges inferred from the
// kernel's TCP_INFO samples, and the moments a connection came up or was
// declared dead. Pure bookkeeping so the inference can be tested.
//
// Keepalive probes are invisible to the application; the kernel view gives
// them away. A probe answered: last_ack_recv was reset while last_data_recv
// was not, nothing of ours was waiting for an ACK and we sent no data. A
// probe unanswered: tcpi_probes went up.

#include "deathverdict.h"
#include "kernelsocketview.h"

#include <QList>
#include <QObject>
#include <QString>
#include <optional>

namespace longline::app {

struct TimelineEvent
{
    enum class Type
    {
        Ping,            // a heartbeat PING; `rtt` set once its PONG arrived
        ProbeAnswered,   // a keepalive probe and its ACK
        ProbeUnanswered, // a keepalive probe still without answer (`count`)
        Connected,       // the connection came up
        Dead,            // declared dead (`verdict`)
        Closed,          // closed on purpose by the user
    };
    Type type = Type::Ping;
    Millis at{0}; // monotonic time of the event (for a ping: when sent)
    std::optional<Millis> rtt;
    bool lost = false; // a ping whose connection ended before its PONG
    QString token;
    int count = 0;
    std::optional<DeathVerdict> verdict;
    // With Dead: when the last byte from the peer arrived (monotonic), the
    // start of the silence the verdict ends.
    std::optional<Millis> lastHeard;
};

class TimelineModel : public QObject
{
    Q_OBJECT
public:
    // Events older than this are forgotten.
    static constexpr Millis Retention{15 * 60 * 1000};
    // Kernel ages come from jiffies and our sample times from another
    // clock: differences below this are noise, not a reset.
    static constexpr Millis ResetTolerance{40};

    explicit TimelineModel(QObject *parent = nullptr);

    void notePingSent(Millis at, const QString &token);
    // A round trip measured at `at` (when the PONG arrived).
    void noteRtt(Millis at, Millis rtt);
    void noteKernelSample(Millis at, const KernelSocketView &view);
    void noteConnected(Millis at);
    void noteDead(Millis at, const DeathVerdict &verdict,
                  std::optional<Millis> lastHeard = std::nullopt);
    void clear();

    const QList<TimelineEvent> &events() const { return m_events; }
    int count(TimelineEvent::Type type) const;

Q_SIGNALS:
    void changed();
    void probeAnswered(longline::Millis at);
    void probeUnanswered(int unanswered);

private:
    void append(const TimelineEvent &e);
    void markPendingPingsLost();
    void expire(Millis now);

    QList<TimelineEvent> m_events; // in time order
    std::optional<KernelSocketView> m_prev;
    Millis m_prevAt{0};
};

} // namespace longline::app
