#pragma once
// Refuses nicks that look like someone else's: keeps the confusable
// skeleton (shared/nickskeleton.h) of every online nick and of nicks seen
// within RememberFor, so "аlice" in Cyrillic cannot sit beside "alice", nor
// take her place the minute she leaves. The same nick (case-insensitively)
// is never its own look-alike. Memory is bounded: at most MaxRemembered
// nicks that are offline are kept, the oldest forgotten first.

#include "livenesssettings.h"

#include <QHash>
#include <QString>
#include <chrono>
#include <map>
#include <optional>
#include <utility>

namespace longline::server {

using namespace std::chrono_literals;

class NickGuard
{
public:
    static constexpr Millis RememberFor = 1h;
    static constexpr int MaxRemembered = 10000;

    struct LookAlike
    {
        QString nick; // as its holder wrote it
        bool online = false;
    };
    // The nick that `nickKey` (case-folded) with `skeleton` would be
    // confused with, if any.
    std::optional<LookAlike> lookAlikeOf(const QString &nickKey, const QString &skeleton,
                                         Millis now) const;
    void noteOnline(const QString &nick, const QString &skeleton);
    void noteOffline(const QString &skeleton, Millis now);
    int remembered() const { return static_cast<int>(m_bySkeleton.size()); }

private:
    // One per nick online or remembered: its case-folded key is not kept
    // but derived from `nick` when a look-alike is checked.
    struct Holder
    {
        QString nick;       // as its holder wrote it
        Millis lastSeen{0}; // when it went offline
        quint64 order = 0;  // its key in m_offline while offline
        bool online = false;
    };
    using OfflineKey = std::pair<Millis, quint64>; // (went offline, serial)
    void forget(Millis now);
    // A skeleton's first 64 bits of SHA-256: eight bytes per nick instead
    // of a string on the heap. Two skeletons sharing a digest (about one
    // chance in 10^9 among 10^5 nicks) would only refuse a nick as a
    // look-alike it is not.
    static quint64 digestOf(const QString &skeleton);

    QHash<quint64, Holder> m_bySkeleton;
    // The skeleton digests of offline holders, oldest first.
    std::map<OfflineKey, quint64> m_offline;
    quint64 m_nextOrder = 0;
};

} // namespace longline::server
