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
    void noteOnline(const QString &nick, const QString &nickKey, const QString &skeleton);
    void noteOffline(const QString &skeleton, Millis now);
    int remembered() const { return static_cast<int>(m_bySkeleton.size()); }

private:
    struct Holder
    {
        QString nick;
        QString nickKey;
        bool online = false;
        Millis lastSeen{0}; // when it went offline
        quint64 order = 0;  // its key in m_offline while offline
    };
    using OfflineKey = std::pair<Millis, quint64>; // (went offline, serial)
    void forget(Millis now);

    QHash<QString, Holder> m_bySkeleton;
    // The skeletons of offline holders, oldest first.
    std::map<OfflineKey, QString> m_offline;
    quint64 m_nextOrder = 0;
};

} // namespace longline::server
