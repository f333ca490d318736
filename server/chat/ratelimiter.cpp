#include "ratelimiter.h"

namespace longline::server {

void RateLimiter::expire(Millis now)
{
    while (!m_events.empty() && now - m_events.front() >= m_window)
        m_events.pop_front();
}

bool RateLimiter::tryAcquire(Millis now)
{
    if (m_max <= 0)
        return true;
    expire(now);
    if (static_cast<int>(m_events.size()) >= m_max)
        return false;
    m_events.push_back(now);
    return true;
}

void RateLimiter::refund(Millis at)
{
    // The newest such event: the one this caller counted, unless the
    // window has let it go already.
    for (qsizetype i = m_events.size() - 1; i >= 0; --i) {
        if (m_events.at(i) == at) {
            m_events.remove(i);
            return;
        }
    }
}

Millis RateLimiter::retryAfter(Millis now) const
{
    if (m_max <= 0 || static_cast<int>(m_events.size()) < m_max)
        return Millis{0};
    const Millis left = m_events.front() + m_window - now;
    return left.count() > 0 ? left : Millis{0};
}

} // namespace longline::server
