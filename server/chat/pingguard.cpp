#include "pingguard.h"

namespace longline::server {

PingGuard::Verdict PingGuard::notePing(Millis now)
{
    const std::optional<Millis> last =
        m_lastPing == NoPing ? std::nullopt : std::optional<Millis>(m_lastPing);
    m_lastPing = now;
    if (m_minInterval.count() <= 0 || !last)
        return Verdict::Accept;
    if (now - *last + tolerance() >= m_minInterval)
        return Verdict::Accept;
    while (!m_strikes.isEmpty() && now - m_strikes.first() >= StrikeWindow)
        m_strikes.removeFirst();
    m_strikes.append(now);
    return m_strikes.size() >= MaxStrikes ? Verdict::TooManyStrikes : Verdict::TooFast;
}

} // namespace longline::server
