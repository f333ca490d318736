#pragma once
// What the chat room asks of storage, and nothing more: append a message
// (with the client's id for it), read a page since a seq, the latest seq.
// Every answer is asynchronous: it comes back on the room's own thread,
// later, never from inside the call that asked, so no event loop waits for
// a disk. StoreThread puts SQLite behind it; a clustered store may follow.

#include "protocol.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <functional>
#include <optional>

namespace longline::server {

class MessageStore
{
public:
    struct NewMessage
    {
        QString nick;
        QString nickKey; // the case-folded nick the client id belongs to
        QString text;
        QString cid; // the client's id for it (SAYID), or empty
        QDateTime time;
    };
    struct Appended
    {
        // The stored message with its seq; for a duplicate, the one stored
        // earlier under the same (nickKey, cid). Empty on failure.
        std::optional<protocol::ChatMessage> message;
        bool duplicate = false;          // nothing new was stored
        QString error;                   // why nothing was stored
        qint64 commitNs = 0;             // from append() to its transaction's commit
        bool firstOfTransaction = false; // counts transactions (metrics)
    };
    struct Page
    {
        QList<protocol::ChatMessage> messages; // oldest first
        bool more = false;                     // messages beyond the last one remain
        QString error;                         // the read failed
    };

    virtual ~MessageStore() = default;

    // Stores `message` unless its cid was stored before, and calls `done`
    // once the transaction that holds it has committed (so an ACK sent from
    // there names a durable message). Everything asked of a store is
    // answered in the order asked, so the answers to one client's lines
    // keep the order of its lines.
    virtual void append(NewMessage message, std::function<void(const Appended &)> done) = 0;
    // The message stored under (nickKey, cid), if any, counting every
    // append asked before this.
    virtual void find(QString nickKey, QString cid,
                      std::function<void(const std::optional<protocol::ChatMessage> &)> done) = 0;
    // Messages with since < seq <= upTo, oldest first, at most `max`.
    virtual void page(qint64 since, qint64 upTo, int max,
                      std::function<void(const Page &)> done) = 0;
    // The newest seq an append answer has reported (0 when empty): what
    // clients can have been told of, so WELCOME and HISTORY stop there and
    // anything newer reaches them as MSG.
    virtual qint64 latestSeq() const = 0;
};

} // namespace longline::server
