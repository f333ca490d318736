#pragma once
// Restarting without dropping plain connections. On SIGTERM under systemd
// with a file descriptor store (FileDescriptorStoreMax= in the unit, read
// from $FDSTORE) the server puts its listening socket, every plain-TCP
// client socket and a memfd holding each client's chat state into the
// store and exits; the next process gets them back as LISTEN_FDS
// (sd_listen_fds(3)) and carries on where the last one stopped. The clients
// see nothing: the kernel keeps their TCP connections, and bytes they send
// meanwhile wait in the socket's receive queue. TLS sessions cannot be
// handed over (their keys live in the process), so they get a BYE.
//
// This file holds what both sides share: the state's format, the names the
// descriptors are stored under, and the reading of LISTEN_FDS.

#include "heartbeatmonitor.h"
#include "lineframer.h"

#include <QByteArray>
#include <QString>
#include <atomic>
#include <optional>
#include <vector>

namespace longline::server::net {

// The names the descriptors are stored under (FDNAME=).
namespace HandoverNames {
inline constexpr char Listener[] = "listener";
inline constexpr char State[] = "state";
inline constexpr char Client[] = "client";
} // namespace HandoverNames

// One plain-TCP client as the next process takes it over.
struct HandedConnection
{
    int fd = -1;          // not serialized: the descriptor travels beside the state
    QByteArray socketKey; // "local>peer": finds the descriptor among those handed over
    quint64 id = 0;
    bool registered = false;
    QString nick;
    QString nickKey; // kept in the format; a receiver folds `nick` itself
    QString sessionKey;
    bool passwordAccepted = false;
    bool presenceAnnounced = false;
    bool probe = false;
    // Deadlines and times on the steady clock, which is the system's and so
    // the same in the next process.
    Millis startedAt{0};
    Millis registerBy{0};
    Millis lineDeadline{0};
    Millis probeDue{0};
    bool probeAnswered = false;
    QString probeToken;
    LineFramer::Unfinished unfinished; // a line the client has not finished
    HeartbeatMonitor::Snapshot heartbeat;
    qint32 lastRttMs = -1;
    QByteArray unsentOutput;    // what the kernel had not taken yet
    bool historyActive = false; // a HISTORY answer still being sent
    qint64 historySince = 0;
    int historyRemaining = 0;
    // The newest seq the answer goes to (later ones reached the client as
    // MSG); 0 when unknown (a version 1 state): the next process's latest.
    qint64 historyUpTo = 0;
};

struct HandoverState
{
    QString listen; // the listening address of the process that handed over
    quint64 nextId = 1;
    std::vector<HandedConnection> connections;
};

QByteArray serializeHandover(const HandoverState &state);
// Nothing with *error when the bytes are not a hand-over of this format.
std::optional<HandoverState> parseHandover(const QByteArray &bytes, QString *error);

// The kernel's name of a connected socket's two ends, "local>peer".
QByteArray socketKey(int fd);

// A memory file (memfd) holding `bytes`, or -1 with *error.
int memfdWith(const QByteArray &bytes, QString *error);
// Everything in a file descriptor, from its start.
QByteArray readWholeFile(int fd, QString *error);

// The descriptors systemd passed at start (LISTEN_PID, LISTEN_FDS,
// LISTEN_FDNAMES), by name. take() reads them once and clears the
// variables, so no child inherits them.
struct InheritedDescriptors
{
    int listener = -1;
    int state = -1;
    std::vector<int> clients;
    std::vector<int> unknown; // names this server does not use: closed
    static InheritedDescriptors take();
    bool any() const { return listener >= 0 || state >= 0 || !clients.empty(); }
    void add(const QByteArray &name, int fd);
    void closeAll();
};

// The receiving end of a hand-over without systemd (`longline-server
// --take-over`): a datagram socket that understands the part of systemd's
// notify protocol a hand-over uses (FDSTORE=1 with FDNAME=, then
// BARRIER=1), so the running server hands over to it exactly as it would
// to systemd's store, only directly (SCM_RIGHTS).
class HandoverReceiver
{
public:
    HandoverReceiver() = default;
    ~HandoverReceiver();
    HandoverReceiver(const HandoverReceiver &) = delete;
    HandoverReceiver &operator=(const HandoverReceiver &) = delete;

    bool open(const QString &path, QString *error);
    QString path() const { return m_path; }
    // Collects descriptors until the sender's BARRIER=1 (true) or until
    // `timeoutMs` passes without a message, or `abandon` turns true (false
    // with *error; what came is in *into either way).
    bool receive(int timeoutMs, InheritedDescriptors *into, QString *error,
                 const std::atomic<bool> *abandon = nullptr);

private:
    int m_fd = -1;
    QString m_path;
};

} // namespace longline::server::net
