#pragma once
// The terminal presenter of a ChatClient: stdin lines become messages and
// commands, chat goes to stdout, liveness events to stderr (EventLog), and
// the process's exit status tells how the session ended (see ExitStatus).
//
// stdout: "HH:MM:SS <nick> text", "HH:MM:SS [history] <nick> text",
//         "HH:MM:SS -- nick joined", "HH:MM:SS -- nick left (reason)",
//         "HH:MM:SS -- online: a, b" (local time, control characters shown as U+FFFD).
// Events (stderr), with their fields:
//   connecting {host, port, attempt}        connected {local, remote}
//   options_applied {requested{keepalive, user_timeout_ms, heartbeat},
//                    effective{valid, keepalive, user_timeout_ms, heartbeat}, errors[]}
//   welcome {nick, server, seq, hb, minping, maxline, maxhist}
//   ping_sent {token}   rtt {ms}   ack {cid, seq}
//   message {seq, server_time, nick, text, history}
//   join {server_time, nick}   leave {server_time, nick, reason}
//   error {code, name, text, fatal}   bye {reason}
//   dead {cause, cause_text, description, detail, detection_ms, budget_ms|null,
//         within_budget|null}
//   reconnect {delay_ms, attempt}   connect_failed {error}   log {text}
//   protocol_violation {reason}: the server flooded past a client bound or
//                                broke the protocol; exit 7 without --reconnect
//   kernel {valid, state, rtt_us, last_ack_recv_ms, last_data_recv_ms, probes, unacked,
//           retransmits, timer, timer_expires_ms, timer_retrans} (with --kernel-sample)
//   exit {status}

#include "adaptivekeepwarm.h"
#include "chatclient.h"
#include "clioptions.h"
#include "eventlog.h"
#include "quitsignals.h"
#include "stdinreader.h"

#include <QObject>
#include <QTimer>
#include <cstdio>

namespace longline::cli {

class TerminalClient : public QObject
{
    Q_OBJECT
public:
    // After /quit or the end of input, a connection in progress and the
    // unacknowledged messages get this long before the client quits anyway,
    // plus whatever the pacing to the server's rate makes them wait.
    static constexpr Millis DrainTimeout{5000};

    explicit TerminalClient(const CliOptions &options, QObject *parent = nullptr);

    void start();

Q_SIGNALS:
    void finished(int status);

private:
    void onLine(const QString &line);
    void onEndOfInput();
    void requestQuit(const QString &reason);
    void startDrainTimer();
    bool mustWaitBeforeQuit() const;
    void quitNow();
    void finish(int status);

    void onStateChanged(ChatClient::State state);
    void onOptionsApplied(const SocketOptionsReport &report);
    void onWelcomed(const protocol::WelcomeInfo &info);
    void onMessage(const protocol::ChatMessage &message, bool fromHistory);
    void onAcknowledged(const QString &cid, qint64 seq);
    void onJoined(const QDateTime &time, const QString &nick);
    void onLeft(const QDateTime &time, const QString &nick, const QString &reason);
    void onServerError(int code, const QString &name, const QString &text, bool fatal);
    void onBye(const QString &reason);
    void onConnectionLost(const DeathVerdict &verdict);
    void onConnectFailed(const QString &error);
    void onReconnectScheduled(Millis delay, int attempt);
    void onKernelSample(const KernelSocketView &view);

    void printChat(const QString &text); // one line on stdout
    // "-- 100 of 19500 listed; /who more lists the next page"
    void printListed(int listed, int room);
    void setUpAdaptive();

    CliOptions m_options;
    EventLog m_events;
    ChatClient m_client;
    std::unique_ptr<AdaptiveKeepWarm> m_adaptive; // --adaptive
    StdinReader m_stdin;
    QuitSignals m_signals;
    QTimer m_drainTimer;
    bool m_quitRequested = false; // /quit or end of input: leave once the outbox is empty
    QString m_quitReason;
    bool m_quitting = false; // QUIT sent; waiting for the close
    bool m_finished = false;
    bool m_showOnlineReply = false;     // the next ONLINE answers /who
    bool m_listedAwaitingCount = false; // a /who answer was printed, its MEMBERS may follow
    bool m_toldCountOnly = false;       // the room's count-only presence was told
};

} // namespace longline::cli
