#pragma once
// The conversation as the chat view shows it: messages keyed by server
// sequence number and, for the user's own messages, by client id, so a
// message is shown exactly once whichever way it arrives (live, from
// history after a reconnect, or as the echo of a resend), plus notices
// (joins, leaves, connection events).

#include "protocol.h"

#include <QAbstractListModel>
#include <QDateTime>
#include <QHash>
#include <QList>

namespace longline::app {

struct ChatEntry
{
    enum class Kind
    {
        Message,
        Notice
    };
    // How a notice is drawn.
    enum class Level
    {
        Info,
        Join,
        Leave,
        Good,
        Warning,
        Error
    };
    // Delivery state of the user's own messages.
    enum class Delivery
    {
        NotOwn,
        Unsent,
        Sent
    };

    Kind kind = Kind::Message;
    qint64 seq = -1; // -1 until the server numbered it
    QString cid;     // own messages only
    QDateTime time;  // server time, or when queued for unsent messages
    QString nick;    // sanitized
    QString text;    // sanitized
    Delivery delivery = Delivery::NotOwn;
    bool fromHistory = false; // fetched with HISTORY rather than live
    Level level = Level::Info;

    bool own() const { return delivery != Delivery::NotOwn; }
    QString plainText() const; // one line for copying
};

class ChatLogModel : public QAbstractListModel
{
    Q_OBJECT
public:
    // Oldest entries are dropped beyond this many, in batches, or when
    // their text (UTF-16) passes MaxTextBytes, down to three quarters of it:
    // a server sending long lines fast cannot grow the window's memory.
    // Unsent messages are never dropped.
    static constexpr int MaxEntries = 5000;
    static constexpr int TrimBatch = 500;
    static constexpr qsizetype MaxTextBytes = 8 * 1024 * 1024;
    // Longer texts and nicks are shown cut, saying how much was left out:
    // laying out every row's text is the view's cost, and a flood of long
    // lines would otherwise freeze the window.
    static constexpr qsizetype MaxTextChars = 1024;
    static constexpr qsizetype MaxNickChars = 64;

    explicit ChatLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    // Messages are "editable" only so a view can open their text read-only
    // for selecting part of it; nothing is ever written back.
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    const ChatEntry &entry(int row) const { return m_entries.at(row); }

    // The user typed a message; it is shown unsent until acknowledged.
    void addOwnQueued(const QString &cid, const QString &nick, const QString &text,
                      const QDateTime &queuedAt);
    // The server stored `cid` as `seq`. If that seq is already shown (it
    // came through history first) the queued copy is removed.
    void acknowledge(const QString &cid, qint64 seq);
    // A MSG or HIST line. `ownNick` marks messages the user sent (also from
    // an earlier session). Repeats of a shown seq only refresh it.
    void addMessage(const protocol::ChatMessage &message, bool fromHistory, const QString &ownNick);
    void addNotice(const QDateTime &time, ChatEntry::Level level, const QString &text);
    // Scroll-back: messages older than every one shown (oldest first) go
    // above the oldest. Returns how many were added: none when the log is
    // full, since trimming would drop them again at once.
    int addOlder(const QList<protocol::ChatMessage> &messages, const QString &ownNick);
    // The server holds nothing older: a line says so at the top, once.
    void markStartOfHistory();
    bool startOfHistoryShown() const { return m_startShown; }
    // True while addOlder() or markStartOfHistory() inserts: rows above
    // what the user reads, which a view keeps in place.
    bool insertingOlder() const { return m_insertingOlder; }
    qint64 oldestSeq() const; // of the messages shown, -1 when none
    void clear();

    int rowForSeq(qint64 seq) const { return m_bySeq.value(seq, -1); }
    int rowForCid(const QString &cid) const { return m_byCid.value(cid, -1); }
    // How many message rows show this text (tests: "shown once").
    int countMessagesWithText(const QString &text) const;
    int unsentCount() const;
    qsizetype textBytes() const { return m_textBytes; }

private:
    int insertionRowForNumbered() const;
    ChatEntry messageEntry(const protocol::ChatMessage &m, bool fromHistory,
                           const QString &ownNick) const;
    void insertEntry(int row, const ChatEntry &entry);
    void removeEntry(int row);
    void reindex();
    void trim();

    QList<ChatEntry> m_entries;
    QHash<qint64, int> m_bySeq;
    bool m_startShown = false;
    bool m_insertingOlder = false;
    QHash<QString, int> m_byCid;
    qsizetype m_textBytes = 0; // sum of textCost() over m_entries
};

} // namespace longline::app
