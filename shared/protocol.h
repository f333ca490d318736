#pragma once
// The Longline line protocol: parsing and formatting of single lines.
// The grammar and every message are documented in docs/protocol.md.

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <optional>

namespace longline::protocol {

constexpr int DefaultPort = 9999;
constexpr int MaxNickLength = 24;
constexpr int MaxTokenLength = 64;

// Stable error codes; see docs/protocol.md. The numeric value is the wire code.
enum class ErrorCode
{
    BadLine = 400,
    NotRegistered = 401,
    UnknownCommand = 404,
    AlreadyRegistered = 409,
    LineTooLong = 413,
    BadEncoding = 415,
    ControlChars = 416,
    BadArgument = 420,
    BadNick = 421,
    NickTaken = 422,
    BadPassword = 464,
    PingTooFast = 429,
    RateLimited = 430,
    ServerFull = 503,
    Internal = 500,
};

QString errorName(ErrorCode code);
std::optional<ErrorCode> errorCodeFromNumber(int code);

// A line split into its command word, its fixed words and the free text tail.
// Which parts are "words" and which is "text" depends on the command; see
// parse().
struct Line
{
    QString command;      // ASCII letters upper-cased, anything else kept as sent
    QList<QString> words; // fixed arguments
    QString text;         // free text (may contain spaces), empty when absent
    bool hasText = false;
};

struct ParseError
{
    ErrorCode code;
    QString message;
};

// Parses one already-framed, already UTF-8-validated line (no terminator).
// Knows the arity of every command in both directions so that the free text
// is split off correctly. Unknown commands parse with all words in `words`
// (so a caller can answer UNKNOWN_COMMAND with the name).
struct ParseResult
{
    std::optional<Line> line;
    std::optional<ParseError> error;
    bool ok() const { return line.has_value(); }
};
ParseResult parse(const QString &line);

// Validation helpers shared by server and clients.
// A nick: 1 to MaxNickLength letters, digits, '_', '-', '.'; no invisible
// letters (Hangul fillers), in its NFKC form, and of one script (or a
// mixture written together, see nickskeleton.h). docs/protocol.md, Nicks.
bool isValidNick(const QString &nick, QString *why = nullptr);
bool isValidToken(QStringView token);       // PING tokens and client message ids
bool isValidToken(QLatin1StringView token); // the same, on the bytes as read
// True if `text` has C0/C1 control characters other than TAB (or DEL).
bool hasControlChars(const QString &text);
// Replaces control characters by visible U+FFFD so they can be shown safely.
QString sanitizeForDisplay(const QString &text);
std::optional<qint64> parseSeq(const QString &word); // 0 .. 2^63-1
// Compares secrets in time that depends only on `given`'s length, so the
// reply time does not tell how much of a guess matched.
bool constantTimeEquals(const QByteArray &given, const QByteArray &expected);

QString formatTime(const QDateTime &utc);
QDateTime parseTime(const QString &word); // invalid QDateTime on error

// Formatting: every function returns a complete line including "\n".
// `sessionKey` (from an earlier WELCOME) lets a reconnecting client take over
// its own not-yet-detected dead session instead of getting NICK_TAKEN.
QByteArray hello(const QString &nick, const QString &sessionKey = {});
QByteArray say(const QString &text);
QByteArray sayWithId(const QString &cid, const QString &text);
QByteArray historyRequest(qint64 sinceSeq, int max = 0);
QByteArray who();
QByteArray pass(const QString &password);
QByteArray ping(QStringView token);
QByteArray pong(QStringView token);
// "PONG <token>\n" written into `out` (at least MaxPongLine bytes) for a
// valid token; returns its length. The server's PING fast path: no heap.
constexpr int MaxPongLine = 5 + MaxTokenLength + 1;
qsizetype writePong(char *out, QLatin1StringView token);
// PROBE <token> <delay-ms>: after `delay` of silence the server speaks
// first, PROBED <token> (finding a NAT's idle timeout; docs/protocol.md).
QByteArray probe(const QString &token, qint64 delayMs);
QByteArray probed(const QString &token);
QByteArray quit(const QString &reason = {});

struct WelcomeInfo
{
    QString nick;
    QString server;
    qint64 seq = 0;
    bool heartbeatOn = false;
    double heartbeatIntervalS = 0;
    double heartbeatTimeoutS = 0;
    double minPingS = 0;
    int maxLine = 0;
    int maxHistory = 0;
    // `rate=N/W`: at most N chat messages (SAY, SAYID) in any W seconds;
    // `rate=off`: no limit. Older servers do not announce it
    // (rateAnnounced false); clients then assume their default 50/10.
    bool rateAnnounced = false;
    int rateMessages = 0; // 0 = no limit
    double rateWindowS = 0;
    QString session; // key to present in HELLO when reconnecting
};
QByteArray welcome(const WelcomeInfo &info);
std::optional<WelcomeInfo> parseWelcome(const Line &line);

struct ChatMessage
{
    qint64 seq = 0;
    QDateTime time;
    QString nick;
    QString text;
};
QByteArray msg(const ChatMessage &m);
QByteArray hist(const ChatMessage &m);
std::optional<ChatMessage> parseChatMessage(const Line &line); // MSG or HIST
QByteArray histEnd(qint64 lastSeq, bool more);
QByteArray ack(const QString &cid, qint64 seq);
QByteArray join(const QDateTime &time, const QString &nick);
QByteArray leave(const QDateTime &time, const QString &nick, const QString &reason);
QByteArray online(const QList<QString> &nicks);
// How many are in the room, when the ONLINE list is not all of them.
QByteArray members(int count);
QByteArray error(ErrorCode code, const QString &text);
QByteArray bye(const QString &reason);

} // namespace longline::protocol
