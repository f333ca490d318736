#include "presencethrottle.h"

#include "addresskey.h"

namespace longline::server {

namespace {
// A sweep walks every entry: once a minute to let idle addresses go, and
// at most once a second when the table is full, whatever the churn.
constexpr Millis SweepEvery = 60s;
constexpr Millis FullSweepEvery = 1s;
} // namespace

void PresenceThrottle::refill(Bucket &bucket, Millis now)
{
    const auto earned = (now - bucket.refilled) / RefillEvery;
    if (earned <= 0)
        return;
    if (earned >= Burst - bucket.tokens) {
        bucket.tokens = Burst;
        bucket.refilled = now;
    } else {
        bucket.tokens += static_cast<int>(earned);
        bucket.refilled += earned * RefillEvery;
    }
}

void PresenceThrottle::forgetFullBuckets(Millis now)
{
    m_lastSweep = now;
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        refill(it.value(), now);
        if (it.value().tokens >= Burst)
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

bool PresenceThrottle::admitAnnouncement(const QHostAddress &address, Millis now)
{
    const Millis sinceSweep = now - m_lastSweep;
    if (sinceSweep >= SweepEvery ||
        (m_buckets.size() >= MaxTracked && sinceSweep >= FullSweepEvery))
        forgetFullBuckets(now);
    const QString key = addressKey(address);
    auto it = m_buckets.find(key);
    if (it == m_buckets.end()) {
        // Too many addresses churning at once to keep count: announce
        // nothing new until the sweep frees room.
        if (m_buckets.size() >= MaxTracked)
            return false;
        it = m_buckets.insert(key, Bucket{Burst, now});
    }
    refill(it.value(), now);
    if (it.value().tokens <= 0)
        return false;
    --it.value().tokens;
    return true;
}

} // namespace longline::server
