#include "heartbeatmonitor.h"

#include <algorithm>
#include <chrono>

namespace longline {

Millis monotonicNow()
{
    return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now().time_since_epoch());
}

HeartbeatMonitor::HeartbeatMonitor(Clock clock) : m_clock(std::move(clock)) {}

void HeartbeatMonitor::setOptions(const HeartbeatOptions &options)
{
    m_options = options;
    // A new policy starts with a clean slate of grace, not with old silence
    // judged by new, shorter rules.
    if (m_running)
        m_graceUntil = m_clock() + (m_options.enabled ? m_options.timeout : Millis{0});
}

void HeartbeatMonitor::start()
{
    const Millis now = m_clock();
    m_running = true;
    m_lastReceived = now;
    m_lastPoll = now;
    m_lastPingSent = Millis{0};
    m_pingSentSinceReceive = false;
    m_graceUntil = Millis{0};
    m_inFlight.clear();
    m_latePolls = 0;
}

void HeartbeatMonitor::noteReceived()
{
    m_lastReceived = m_clock();
    m_pingSentSinceReceive = false;
}

std::optional<Millis> HeartbeatMonitor::notePong(const QString &token)
{
    const auto it = m_inFlight.find(token);
    if (it == m_inFlight.end())
        return std::nullopt;
    const Millis sentAt = it.value();
    const Millis rtt = m_clock() - sentAt;
    m_inFlight.erase(it);
    // Older pings were answered implicitly: the peer answers in order.
    for (auto i = m_inFlight.begin(); i != m_inFlight.end();) {
        if (i.value() <= sentAt)
            i = m_inFlight.erase(i);
        else
            ++i;
    }
    return rtt;
}

Millis HeartbeatMonitor::pollPeriod() const
{
    if (!m_options.enabled)
        return Millis{1000};
    const Millis shortest = std::min(m_options.interval, m_options.timeout);
    return std::clamp(shortest / 8, Millis{20}, Millis{1000});
}

Millis HeartbeatMonitor::silence() const
{
    return m_running ? m_clock() - m_lastReceived : Millis{0};
}

std::optional<Millis> HeartbeatMonitor::lag() const
{
    if (m_inFlight.isEmpty())
        return std::nullopt;
    Millis oldest = m_clock();
    for (const Millis sent : m_inFlight)
        oldest = std::min(oldest, sent);
    return m_clock() - oldest;
}

HeartbeatMonitor::Decision HeartbeatMonitor::poll()
{
    Decision d;
    const Millis now = m_clock();
    const Millis sinceLastPoll = now - m_lastPoll;
    m_lastPoll = now;
    if (!m_running || !m_options.enabled)
        return d;

    // A poll far later than scheduled means our process was not running:
    // the silence may be ours. Probe and allow a full timeout for an answer.
    const bool late = sinceLastPoll > pollPeriod() * 4 + Millis{500};
    const Millis silent = now - m_lastReceived;
    if (late && silent >= m_options.interval) {
        ++m_latePolls;
        m_graceUntil = now + m_options.timeout;
    }

    if (silent >= m_options.interval + m_options.timeout && now >= m_graceUntil) {
        d.action = Action::Dead;
        m_running = false;
        return d;
    }

    const bool dueFirst = silent >= m_options.interval && !m_pingSentSinceReceive;
    const bool dueAgain = m_pingSentSinceReceive && now - m_lastPingSent >= m_options.interval;
    if (dueFirst || dueAgain || (late && silent >= m_options.interval)) {
        d.action = Action::SendPing;
        d.token = QStringLiteral("h%1").arg(m_nextToken++);
        m_lastPingSent = now;
        m_pingSentSinceReceive = true;
        if (m_inFlight.size() >= MaxInFlight) {
            auto oldest = m_inFlight.begin();
            for (auto i = m_inFlight.begin(); i != m_inFlight.end(); ++i)
                if (i.value() < oldest.value())
                    oldest = i;
            m_inFlight.erase(oldest);
        }
        m_inFlight.insert(d.token, now);
    }
    return d;
}

} // namespace longline
