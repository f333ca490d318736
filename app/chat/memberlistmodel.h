#pragma once
// Who is online, for the side panel's members page. JOIN and LEAVE update a sorted set
// at O(log n); the rows the view sees are a snapshot of it refreshed at
// most every RefreshInterval, so a flood of presence lines costs the window
// a few resets a second instead of a rebuild per line.
//
// In a room too large for the server to list at once (docs/protocol.md,
// MEMBERS) the list is only part of the room: the room's size is set
// apart, and memberCount() is that size, not the list's.

#include "livenesssettings.h"
#include "presencelist.h"

#include <QAbstractListModel>
#include <QPalette>
#include <QTimer>

namespace longline::app {

class MemberListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    // How stale the shown list may be while presence changes arrive.
    static constexpr Millis RefreshInterval{100};

    explicit MemberListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    // The user's own nick is listed first, marked "(you)".
    void setOwnNick(const QString &nick);
    // Nick colours follow the view's palette.
    void setPalette(const QPalette &palette);
    // The whole list (ONLINE, or empty when disconnected): shown at once.
    void reset(const QStringList &nicks);
    void add(const QString &nick);
    void remove(const QString &nick);

    // The room's size from the server, or 0 when the list is the whole room.
    void setRoomSize(int size);

    // How many people are in the room: the server's count, or the list's.
    int memberCount() const { return m_roomSize > 0 ? m_roomSize : m_members.size(); }
    // How many of them the list holds.
    int listedCount() const { return m_members.size(); }
    // The nicks as the view shows them now, the user's first.
    QStringList shownNicks() const { return m_rows; }

Q_SIGNALS:
    void memberCountChanged(int count);

private:
    void scheduleRefresh();
    void refresh();

    PresenceList m_members;
    QStringList m_rows; // snapshot the view reads
    QString m_ownNick;
    int m_roomSize = 0;
    QPalette m_palette;
    QTimer m_refreshTimer;
};

} // namespace longline::app
