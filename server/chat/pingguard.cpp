#include "pingguard.h"

#include <algorithm>

namespace longline::server {

PingGuard::Verdict PingGuard::notePing(Millis now)
{
    if (m_minInterval.count() <= 0)
        return Verdict::Accept;
    if (m_due == Millis::min() || now >= m_due - m_minInterval) {
        m_due = std::max(m_due, now) + m_minInterval;
        return Verdict::Accept;
    }
    // A refused PING uses no credit: the client's next one on pace is fine.
    while (!m_strikes.isEmpty() && now - m_strikes.first() >= StrikeWindow)
        m_strikes.removeFirst();
    m_strikes.append(now);
    return m_strikes.size() >= MaxStrikes ? Verdict::TooManyStrikes : Verdict::TooFast;
}

} // namespace longline::server
