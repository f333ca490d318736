#include "timelinemodel.h"

#include <algorithm>

namespace longline::app {

TimelineModel::TimelineModel(QObject *parent) : QObject(parent) {}

void TimelineModel::notePingSent(Millis at, const QString &token)
{
    TimelineEvent e;
    e.type = TimelineEvent::Type::Ping;
    e.at = at;
    e.token = token;
    append(e);
}

void TimelineModel::noteRtt(Millis at, Millis rtt)
{
    // rttMeasured() carries no token, but PONGs come back in the order the
    // PINGs went out, so the oldest unanswered ping is the match.
    for (TimelineEvent &e : m_events) {
        if (e.type == TimelineEvent::Type::Ping && !e.rtt && !e.lost && e.at <= at) {
            e.rtt = rtt;
            Q_EMIT changed();
            return;
        }
    }
    TimelineEvent e; // a ping sent before we started watching
    e.type = TimelineEvent::Type::Ping;
    e.at = at - rtt;
    e.rtt = rtt;
    append(e);
}

void TimelineModel::noteKernelSample(Millis at, const KernelSocketView &view)
{
    if (!view.valid)
        return;
    if (m_prev && at > m_prevAt) {
        const KernelSocketView &p = *m_prev;
        const qint64 elapsed = (at - m_prevAt).count();
        const qint64 tol = ResetTolerance.count();
        // An age that grew by less than the time elapsed was reset.
        auto wasReset = [&](quint32 before, quint32 now) {
            return qint64(now) + tol < qint64(before) + elapsed;
        };
        const bool ackReset = wasReset(p.lastAckRecvMs, view.lastAckRecvMs);
        const bool dataReset = wasReset(p.lastDataRecvMs, view.lastDataRecvMs);
        const bool sent = wasReset(p.lastDataSentMs, view.lastDataSentMs);
        if (ackReset && !dataReset && !sent && p.unacked == 0) {
            TimelineEvent e;
            e.type = TimelineEvent::Type::ProbeAnswered;
            e.at = at - Millis{view.lastAckRecvMs};
            append(e);
            Q_EMIT probeAnswered(e.at);
        }
        if (view.probes > p.probes) {
            TimelineEvent e;
            e.type = TimelineEvent::Type::ProbeUnanswered;
            e.at = at;
            e.count = view.probes;
            append(e);
            Q_EMIT probeUnanswered(view.probes);
        }
    }
    m_prev = view;
    m_prevAt = at;
}

void TimelineModel::noteConnected(Millis at)
{
    m_prev.reset();
    markPendingPingsLost();
    TimelineEvent e;
    e.type = TimelineEvent::Type::Connected;
    e.at = at;
    append(e);
}

void TimelineModel::noteDead(Millis at, const DeathVerdict &verdict,
                             std::optional<Millis> lastHeard)
{
    m_prev.reset();
    markPendingPingsLost();
    TimelineEvent e;
    e.type = verdict.isFailure() ? TimelineEvent::Type::Dead : TimelineEvent::Type::Closed;
    e.at = at;
    e.verdict = verdict;
    if (verdict.isFailure())
        e.lastHeard = lastHeard;
    append(e);
}

void TimelineModel::clear()
{
    m_events.clear();
    m_prev.reset();
    Q_EMIT changed();
}

int TimelineModel::count(TimelineEvent::Type type) const
{
    return static_cast<int>(std::count_if(m_events.cbegin(), m_events.cend(),
                                          [type](const auto &e) { return e.type == type; }));
}

void TimelineModel::append(const TimelineEvent &e)
{
    // Keep time order: an answered probe is dated back to its ACK.
    auto pos = std::upper_bound(m_events.begin(), m_events.end(), e.at,
                                [](Millis at, const TimelineEvent &x) { return at < x.at; });
    m_events.insert(pos, e);
    expire(std::max(e.at, m_events.last().at));
    Q_EMIT changed();
}

void TimelineModel::markPendingPingsLost()
{
    for (TimelineEvent &e : m_events) {
        if (e.type == TimelineEvent::Type::Ping && !e.rtt)
            e.lost = true;
    }
}

void TimelineModel::expire(Millis now)
{
    const Millis cutoff = now - Retention;
    qsizetype n = 0;
    while (n < m_events.size() && m_events.at(n).at < cutoff)
        ++n;
    if (n > 0)
        m_events.remove(0, n);
}

} // namespace longline::app
