#pragma once
// Who is online, for the side panel's members page. JOIN and LEAVE update a sorted set
// at O(log n); the rows the view sees are a snapshot of it refreshed at
// most every RefreshInterval, so a flood of presence lines costs the window
// a few resets a second instead of a rebuild per line.

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

    int memberCount() const { return m_members.size(); }
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
    QPalette m_palette;
    QTimer m_refreshTimer;
};

} // namespace longline::app
