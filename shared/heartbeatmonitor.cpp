#include "heartbeatmonitor.h"

#include <algorithm>
#include <chrono>

#if defined(Q_OS_UNIX)
#include <time.h>
#endif

namespace longline {

Millis monotonicNow()
{
#if defined(Q_OS_UNIX)
    // What steady_clock reads, without its call into libstdc++: a server
    // reads the clock on every wakeup.
    timespec t;
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return Millis{static_cast<qint64>(t.tv_sec) * 1000 + t.tv_nsec / 1000000};
#else
    return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch());
#endif
}

HeartbeatMonitor::HeartbeatMonitor(Clock clock)
    : m_clock(clock ? std::make_unique<const Clock>(std::move(clock)) : nullptr)
{
}

void HeartbeatMonitor::setOptions(const HeartbeatOptions &options)
{
    m_enabled = options.enabled;
    m_interval = options.interval;
    m_timeout = options.timeout;
    // A new policy starts with a clean slate of grace, not with old silence
    // judged by new, shorter rules.
    if (m_running)
        m_graceUntil = clockNow() + (m_enabled ? m_timeout : Millis{0});
}

void HeartbeatMonitor::start()
{
    const Millis now = clockNow();
    m_running = true;
    m_lastReceived = now;
    m_lastPoll = now;
    m_lastPingSent = Millis{0};
    m_pingSentSinceReceive = false;
    m_graceUntil = Millis{0};
    m_inFlight.clear();
    m_latePolls = 0;
    m_dueAt = NotDue;
}

HeartbeatMonitor::Snapshot HeartbeatMonitor::snapshot() const
{
    Snapshot s;
    s.lastReceived = m_lastReceived;
    s.lastPingSent = m_lastPingSent;
    s.pingSentSinceReceive = m_pingSentSinceReceive;
    s.nextToken = m_nextToken;
    for (const InFlight &f : m_inFlight)
        s.inFlight.emplace_back(f.token, f.sentAt);
    return s;
}

void HeartbeatMonitor::resume(const Snapshot &snapshot)
{
    start();
    m_lastReceived = snapshot.lastReceived;
    m_lastPingSent = snapshot.lastPingSent;
    m_pingSentSinceReceive = snapshot.pingSentSinceReceive;
    m_nextToken = snapshot.nextToken;
    for (const auto &[token, sentAt] : snapshot.inFlight)
        if (static_cast<int>(m_inFlight.size()) < MaxInFlight)
            m_inFlight.push_back({token, sentAt});
}

void HeartbeatMonitor::noteReceived()
{
    noteReceived(clockNow());
}

std::optional<Millis> HeartbeatMonitor::notePong(const QString &token)
{
    if (!token.startsWith(QLatin1Char('h')))
        return std::nullopt;
    bool ok = false;
    const quint64 number = QStringView(token).mid(1).toULongLong(&ok);
    if (!ok)
        return std::nullopt;
    const auto it = std::find_if(m_inFlight.begin(), m_inFlight.end(),
                                 [number](const InFlight &f) { return f.token == number; });
    if (it == m_inFlight.end())
        return std::nullopt;
    const Millis rtt = clockNow() - it->sentAt;
    // Older pings were answered implicitly: the peer answers in order.
    m_inFlight.erase(m_inFlight.begin(), it + 1);
    if (m_inFlight.empty())
        m_inFlight.shrink_to_fit();
    return rtt;
}

Millis HeartbeatMonitor::pollPeriod() const
{
    if (!m_enabled)
        return Millis{1000};
    const Millis shortest = std::min(m_interval, m_timeout);
    return std::clamp(shortest / 8, Millis{20}, Millis{1000});
}

Millis HeartbeatMonitor::silence() const
{
    return m_running ? clockNow() - m_lastReceived : Millis{0};
}

std::optional<Millis> HeartbeatMonitor::lag() const
{
    if (m_inFlight.empty())
        return std::nullopt;
    return clockNow() - m_inFlight.front().sentAt;
}

std::optional<Millis> HeartbeatMonitor::nextDue()
{
    if (!m_running || !m_enabled) {
        m_dueAt = NotDue;
        return std::nullopt;
    }
    // The verdict, not before the grace of a late poll has passed...
    Millis due = std::max(m_lastReceived + m_interval + m_timeout, m_graceUntil);
    // ...and the next PING: the first after `interval` of silence, then
    // one every `interval` while the silence lasts.
    due = std::min(due, m_pingSentSinceReceive ? m_lastPingSent + m_interval
                                               : m_lastReceived + m_interval);
    m_dueAt = due;
    return due;
}

HeartbeatMonitor::Decision HeartbeatMonitor::poll()
{
    Decision d;
    const Millis now = clockNow();
    // When this poll was expected: at the moment nextDue() named, or one
    // pollPeriod() after the last poll for an owner that polls periodically.
    const Millis expected = m_dueAt != NotDue ? m_dueAt : m_lastPoll + pollPeriod();
    m_dueAt = NotDue;
    m_lastPoll = now;
    if (!m_running || !m_enabled)
        return d;

    // A poll far later than scheduled means our process was not running:
    // the silence may be ours. Probe and allow a full timeout for an answer.
    const bool late = now - expected > pollPeriod() * 3 + Millis{500};
    const Millis silent = now - m_lastReceived;
    if (late && silent >= m_interval) {
        ++m_latePolls;
        m_graceUntil = now + m_timeout;
    }

    if (silent >= m_interval + m_timeout && now >= m_graceUntil) {
        d.action = Action::Dead;
        m_running = false;
        return d;
    }

    const bool dueFirst = silent >= m_interval && !m_pingSentSinceReceive;
    const bool dueAgain = m_pingSentSinceReceive && now - m_lastPingSent >= m_interval;
    if (dueFirst || dueAgain || (late && silent >= m_interval)) {
        d.action = Action::SendPing;
        const quint64 number = m_nextToken++;
        d.token = QStringLiteral("h%1").arg(number);
        m_lastPingSent = now;
        m_pingSentSinceReceive = true;
        if (m_inFlight.size() >= MaxInFlight)
            m_inFlight.erase(m_inFlight.begin());
        m_inFlight.push_back({number, now});
    }
    return d;
}

} // namespace longline
