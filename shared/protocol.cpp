#include "protocol.h"

#include "nickskeleton.h"

#include <QHash>
#include <algorithm>
#include <cstring>
#include <limits>

namespace longline::protocol {

namespace {

// How a command's arguments split into words and free text.
struct Arity
{
    int minWords;
    int maxWords; // -1: any number of words, no text
    bool text;    // a free text tail follows the words
    bool textRequired;
};

const QHash<QString, Arity> &arities()
{
    static const QHash<QString, Arity> table = {
        // client to server
        {QStringLiteral("HELLO"), {1, 2, false, false}},
        {QStringLiteral("SAY"), {0, 0, true, true}},
        {QStringLiteral("SAYID"), {1, 1, true, true}},
        {QStringLiteral("HISTORY"), {1, 2, false, false}},
        {QStringLiteral("WHO"), {0, 1, false, false}},
        {QStringLiteral("PASS"), {0, 0, true, true}},
        {QStringLiteral("PING"), {1, 1, false, false}},
        {QStringLiteral("PONG"), {1, 1, false, false}},
        {QStringLiteral("QUIT"), {0, 0, true, false}},
        {QStringLiteral("PROBE"), {2, 2, false, false}},
        // server to client
        {QStringLiteral("PROBED"), {1, 1, false, false}},
        {QStringLiteral("WELCOME"), {1, -1, false, false}},
        {QStringLiteral("MSG"), {3, 3, true, false}},
        {QStringLiteral("HIST"), {3, 3, true, false}},
        {QStringLiteral("HISTEND"), {2, 2, false, false}},
        {QStringLiteral("ACK"), {2, 2, false, false}},
        {QStringLiteral("JOIN"), {2, 2, false, false}},
        {QStringLiteral("LEAVE"), {2, 2, true, false}},
        {QStringLiteral("ONLINE"), {0, -1, false, false}},
        {QStringLiteral("MEMBERS"), {1, 1, false, false}},
        {QStringLiteral("ERR"), {2, 2, true, false}},
        {QStringLiteral("BYE"), {0, 0, true, false}},
    };
    return table;
}

// Commands are ASCII: only a-z are upper-cased, so no other character
// (U+017F LATIN SMALL LETTER LONG S upper-cases to 'S') can spell one.
QString asciiUpper(const QString &word)
{
    QString out = word;
    for (QChar &c : out) {
        if (c >= QLatin1Char('a') && c <= QLatin1Char('z'))
            c = QChar(c.unicode() - ('a' - 'A'));
    }
    return out;
}

bool isSeparator(QChar c)
{
    return c == QLatin1Char(' ') || c == QLatin1Char('\t');
}

// Takes the next word starting at `pos`, skipping leading separators.
QString nextWord(const QString &s, int &pos)
{
    while (pos < s.size() && isSeparator(s.at(pos)))
        ++pos;
    const int start = pos;
    while (pos < s.size() && !isSeparator(s.at(pos)))
        ++pos;
    return s.mid(start, pos - start);
}

QByteArray lineOf(const QString &s)
{
    return s.toUtf8() + '\n';
}

// `command` (ASCII), a space, `word`, newline: one allocation and no
// conversion when the word is ASCII, as every valid token is.
QByteArray lineOf(QLatin1String command, QStringView word)
{
    const qsizetype head = command.size() + 1;
    QByteArray out(head + word.size() + 1, Qt::Uninitialized);
    char *d = out.data();
    std::memcpy(d, command.data(), static_cast<size_t>(command.size()));
    d[command.size()] = ' ';
    d += head;
    for (qsizetype i = 0; i < word.size(); ++i) {
        const char16_t c = word[i].unicode();
        if (c >= 0x80) // not ASCII: the general conversion
            return lineOf(command + QLatin1Char(' ') + word.toString());
        *d++ = static_cast<char>(c);
    }
    *d = '\n';
    return out;
}

QString fmtSeconds(double s)
{
    return QString::number(s, 'g', 6);
}

} // namespace

QString errorName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::BadLine:
        return QStringLiteral("BAD_LINE");
    case ErrorCode::NotRegistered:
        return QStringLiteral("NOT_REGISTERED");
    case ErrorCode::UnknownCommand:
        return QStringLiteral("UNKNOWN_COMMAND");
    case ErrorCode::AlreadyRegistered:
        return QStringLiteral("ALREADY_REGISTERED");
    case ErrorCode::LineTooLong:
        return QStringLiteral("LINE_TOO_LONG");
    case ErrorCode::BadEncoding:
        return QStringLiteral("BAD_ENCODING");
    case ErrorCode::ControlChars:
        return QStringLiteral("CONTROL_CHARS");
    case ErrorCode::BadArgument:
        return QStringLiteral("BAD_ARGUMENT");
    case ErrorCode::BadNick:
        return QStringLiteral("BAD_NICK");
    case ErrorCode::NickTaken:
        return QStringLiteral("NICK_TAKEN");
    case ErrorCode::BadPassword:
        return QStringLiteral("BAD_PASSWORD");
    case ErrorCode::PingTooFast:
        return QStringLiteral("PING_TOO_FAST");
    case ErrorCode::RateLimited:
        return QStringLiteral("RATE_LIMITED");
    case ErrorCode::ServerFull:
        return QStringLiteral("SERVER_FULL");
    case ErrorCode::Internal:
        return QStringLiteral("INTERNAL");
    }
    return QStringLiteral("UNKNOWN");
}

std::optional<ErrorCode> errorCodeFromNumber(int code)
{
    for (ErrorCode c :
         {ErrorCode::BadLine, ErrorCode::NotRegistered, ErrorCode::UnknownCommand,
          ErrorCode::AlreadyRegistered, ErrorCode::LineTooLong, ErrorCode::BadEncoding,
          ErrorCode::ControlChars, ErrorCode::BadArgument, ErrorCode::BadNick, ErrorCode::NickTaken,
          ErrorCode::BadPassword, ErrorCode::PingTooFast, ErrorCode::RateLimited,
          ErrorCode::ServerFull, ErrorCode::Internal}) {
        if (static_cast<int>(c) == code)
            return c;
    }
    return std::nullopt;
}

ParseResult parse(const QString &raw)
{
    ParseResult result;
    int pos = 0;
    const QString commandWord = nextWord(raw, pos);
    if (commandWord.isEmpty()) {
        result.error = ParseError{ErrorCode::BadLine, QStringLiteral("empty line")};
        return result;
    }
    Line line;
    line.command = asciiUpper(commandWord);
    const auto it = arities().constFind(line.command);
    if (it == arities().constEnd()) {
        // Unknown: keep all words so the caller can name the command.
        for (QString w = nextWord(raw, pos); !w.isEmpty(); w = nextWord(raw, pos))
            line.words.append(w);
        result.line = line;
        return result;
    }
    const Arity arity = *it;
    if (arity.maxWords < 0) {
        for (QString w = nextWord(raw, pos); !w.isEmpty(); w = nextWord(raw, pos))
            line.words.append(w);
    } else {
        for (int i = 0; i < arity.maxWords; ++i) {
            const int before = pos;
            const QString w = nextWord(raw, pos);
            if (w.isEmpty()) {
                pos = before;
                break;
            }
            line.words.append(w);
        }
        if (arity.text) {
            int p = pos;
            while (p < raw.size() && isSeparator(raw.at(p)))
                ++p;
            line.text = raw.mid(p);
            line.hasText = !line.text.isEmpty();
        } else {
            int p = pos;
            const QString extra = nextWord(raw, p);
            if (!extra.isEmpty()) {
                result.error =
                    ParseError{ErrorCode::BadLine, QStringLiteral("%1 takes at most %2 argument(s)")
                                                       .arg(line.command)
                                                       .arg(arity.maxWords)};
                return result;
            }
        }
    }
    if (line.words.size() < arity.minWords) {
        result.error = ParseError{
            ErrorCode::BadLine,
            QStringLiteral("%1 needs %2 argument(s)").arg(line.command).arg(arity.minWords)};
        return result;
    }
    if (arity.textRequired && !line.hasText) {
        result.error =
            ParseError{ErrorCode::BadLine, QStringLiteral("%1 needs a text").arg(line.command)};
        return result;
    }
    result.line = line;
    return result;
}

namespace {
bool isInvisibleInNick(char32_t cp)
{
    // Letters (category Lo) that render as nothing: the Hangul fillers.
    // Format characters, joiners, variation selectors and combining marks
    // are no letters and fail the letter rule below anyway.
    return cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0;
}
} // namespace

bool isValidNick(const QString &nick, QString *why)
{
    auto fail = [why](const QString &reason) {
        if (why)
            *why = reason;
        return false;
    };
    if (nick.isEmpty())
        return fail(QStringLiteral("a nick cannot be empty"));
    const QList<uint> codepoints = nick.toUcs4();
    if (codepoints.size() > MaxNickLength)
        return fail(QStringLiteral("a nick has at most %1 characters").arg(MaxNickLength));
    for (const char32_t cp : codepoints) {
        if (isInvisibleInNick(cp))
            return fail(
                QStringLiteral("a nick may not hold invisible characters (U+%1)")
                    .arg(QString::number(cp, 16).toUpper().rightJustified(4, QLatin1Char('0'))));
        if (cp == U'_' || cp == U'-' || cp == U'.')
            continue;
        if (QChar::isLetterOrNumber(cp))
            continue;
        return fail(QStringLiteral("a nick may hold only letters, digits, '_', '-' and '.'"));
    }
    // Fullwidth, mathematical, circled and other compatibility letters look
    // like plain ones: the nick must be written in its plain form.
    const QString plain = nick.normalized(QString::NormalizationForm_KC);
    if (plain != nick)
        return fail(QStringLiteral("a nick must use plain letters; write it as '%1'").arg(plain));
    if (!isSingleScriptNick(nick))
        return fail(QStringLiteral("a nick may not mix scripts (Latin with Cyrillic or Greek)"));
    return true;
}

bool isValidToken(QStringView token)
{
    if (token.isEmpty() || token.size() > MaxTokenLength)
        return false;
    for (const QChar c : token) {
        const ushort u = c.unicode();
        if (u <= 0x20 || u >= 0x7f)
            return false;
    }
    return true;
}

bool isValidToken(QLatin1StringView token)
{
    if (token.isEmpty() || token.size() > MaxTokenLength)
        return false;
    for (const char c : token) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            return false;
    }
    return true;
}

bool hasControlChars(const QString &text)
{
    for (const QChar c : text) {
        const ushort u = c.unicode();
        if ((u < 0x20 && u != '\t') || (u >= 0x7f && u <= 0x9f))
            return true;
        // Bidirectional overrides can disguise text; treat them like controls.
        if ((u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))
            return true;
    }
    return false;
}

bool constantTimeEquals(const QByteArray &given, const QByteArray &expected)
{
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    if (expected.isEmpty())
        return given.isEmpty();
    for (qsizetype i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given.at(i) ^ expected.at(i % expected.size()));
    return diff == 0;
}

QString sanitizeForDisplay(const QString &text)
{
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const ushort u = c.unicode();
        if ((u < 0x20 && u != '\t') || (u >= 0x7f && u <= 0x9f) || (u >= 0x202a && u <= 0x202e) ||
            (u >= 0x2066 && u <= 0x2069))
            out.append(QChar(0xfffd));
        else
            out.append(c);
    }
    return out;
}

std::optional<qint64> parseSeq(const QString &word)
{
    if (word.isEmpty() || word.size() > 19)
        return std::nullopt;
    for (const QChar c : word)
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
    bool ok = false;
    const qint64 v = word.toLongLong(&ok);
    if (!ok || v < 0)
        return std::nullopt;
    return v;
}

QString formatTime(const QDateTime &utc)
{
    return utc.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ"));
}

QDateTime parseTime(const QString &word)
{
    QDateTime t = QDateTime::fromString(word, Qt::ISODateWithMs);
    if (t.isValid())
        t = t.toUTC();
    return t;
}

QByteArray hello(const QString &nick, const QString &sessionKey)
{
    if (sessionKey.isEmpty())
        return lineOf(QStringLiteral("HELLO ") + nick);
    return lineOf(QStringLiteral("HELLO %1 %2").arg(nick, sessionKey));
}
QByteArray say(const QString &text)
{
    return lineOf(QStringLiteral("SAY ") + text);
}
QByteArray sayWithId(const QString &cid, const QString &text)
{
    return lineOf(QStringLiteral("SAYID %1 %2").arg(cid, text));
}
QByteArray historyRequest(qint64 sinceSeq, int max)
{
    if (max > 0)
        return lineOf(QStringLiteral("HISTORY %1 %2").arg(sinceSeq).arg(max));
    return lineOf(QStringLiteral("HISTORY %1").arg(sinceSeq));
}
QByteArray who()
{
    return QByteArrayLiteral("WHO\n");
}
QByteArray pass(const QString &password)
{
    return lineOf(QStringLiteral("PASS ") + password);
}
QByteArray ping(QStringView token)
{
    return lineOf(QLatin1String("PING"), token);
}
QByteArray pong(QStringView token)
{
    return lineOf(QLatin1String("PONG"), token);
}
qsizetype writePong(char *out, QLatin1StringView token)
{
    const qsizetype n = std::min<qsizetype>(token.size(), MaxTokenLength);
    std::memcpy(out, "PONG ", 5);
    std::memcpy(out + 5, token.data(), static_cast<size_t>(n));
    out[5 + n] = '\n';
    return 5 + n + 1;
}
QByteArray probe(const QString &token, qint64 delayMs)
{
    return lineOf(QStringLiteral("PROBE %1 %2").arg(token).arg(delayMs));
}
QByteArray probed(const QString &token)
{
    return lineOf(QStringLiteral("PROBED ") + token);
}
QByteArray quit(const QString &reason)
{
    return reason.isEmpty() ? QByteArrayLiteral("QUIT\n")
                            : lineOf(QStringLiteral("QUIT ") + reason);
}

QByteArray welcome(const WelcomeInfo &info)
{
    QString s = QStringLiteral("WELCOME %1 server=%2 seq=%3 hb=%4 minping=%5 maxline=%6 maxhist=%7")
                    .arg(info.nick, info.server)
                    .arg(info.seq)
                    .arg(info.heartbeatOn ? fmtSeconds(info.heartbeatIntervalS) + QLatin1Char(',') +
                                                fmtSeconds(info.heartbeatTimeoutS)
                                          : QStringLiteral("off"))
                    .arg(fmtSeconds(info.minPingS))
                    .arg(info.maxLine)
                    .arg(info.maxHistory);
    if (info.rateAnnounced) {
        s += info.rateMessages > 0 ? QStringLiteral(" rate=%1/%2")
                                         .arg(info.rateMessages)
                                         .arg(fmtSeconds(info.rateWindowS))
                                   : QStringLiteral(" rate=off");
    }
    if (!info.session.isEmpty())
        s += QStringLiteral(" session=") + info.session;
    return lineOf(s);
}

// `N/W` or `off`; anything else leaves the rate unannounced, so the
// client falls back to its safe default.
static void parseRate(const QString &value, WelcomeInfo *info)
{
    if (value == QLatin1String("off")) {
        info->rateAnnounced = true;
        info->rateMessages = 0;
        info->rateWindowS = 0;
        return;
    }
    const auto parts = value.split(QLatin1Char('/'));
    if (parts.size() != 2)
        return;
    bool countOk = false;
    bool windowOk = false;
    const int count = parts.at(0).toInt(&countOk);
    const double window = parts.at(1).toDouble(&windowOk);
    if (!countOk || !windowOk || count <= 0 || !(window > 0) || window > 86400)
        return;
    info->rateAnnounced = true;
    info->rateMessages = count;
    info->rateWindowS = window;
}

std::optional<WelcomeInfo> parseWelcome(const Line &line)
{
    if (line.command != QLatin1String("WELCOME") || line.words.isEmpty())
        return std::nullopt;
    WelcomeInfo info;
    info.nick = line.words.first();
    for (int i = 1; i < line.words.size(); ++i) {
        const QString &kv = line.words.at(i);
        const int eq = kv.indexOf(QLatin1Char('='));
        if (eq <= 0)
            continue;
        const QString key = kv.left(eq);
        const QString value = kv.mid(eq + 1);
        if (key == QLatin1String("server")) {
            info.server = value;
        } else if (key == QLatin1String("seq")) {
            info.seq = parseSeq(value).value_or(0);
        } else if (key == QLatin1String("hb")) {
            const auto parts = value.split(QLatin1Char(','));
            if (parts.size() == 2) {
                info.heartbeatOn = true;
                info.heartbeatIntervalS = parts.at(0).toDouble();
                info.heartbeatTimeoutS = parts.at(1).toDouble();
            }
        } else if (key == QLatin1String("minping")) {
            info.minPingS = value.toDouble();
        } else if (key == QLatin1String("maxline")) {
            info.maxLine = value.toInt();
        } else if (key == QLatin1String("maxhist")) {
            info.maxHistory = value.toInt();
        } else if (key == QLatin1String("rate")) {
            parseRate(value, &info);
        } else if (key == QLatin1String("session")) {
            info.session = value;
        }
    }
    return info;
}

static QByteArray chatLine(const char *cmd, const ChatMessage &m)
{
    return lineOf(QStringLiteral("%1 %2 %3 %4 %5")
                      .arg(QLatin1String(cmd))
                      .arg(m.seq)
                      .arg(formatTime(m.time), m.nick, m.text));
}

QByteArray msg(const ChatMessage &m)
{
    return chatLine("MSG", m);
}
QByteArray hist(const ChatMessage &m)
{
    return chatLine("HIST", m);
}

std::optional<ChatMessage> parseChatMessage(const Line &line)
{
    if ((line.command != QLatin1String("MSG") && line.command != QLatin1String("HIST")) ||
        line.words.size() != 3)
        return std::nullopt;
    ChatMessage m;
    const auto seq = parseSeq(line.words.at(0));
    if (!seq)
        return std::nullopt;
    m.seq = *seq;
    m.time = parseTime(line.words.at(1));
    if (!m.time.isValid())
        return std::nullopt;
    m.nick = line.words.at(2);
    m.text = line.text;
    return m;
}

QByteArray histEnd(qint64 lastSeq, bool more)
{
    return lineOf(QStringLiteral("HISTEND %1 %2").arg(lastSeq).arg(more ? 1 : 0));
}
QByteArray ack(const QString &cid, qint64 seq)
{
    return lineOf(QStringLiteral("ACK %1 %2").arg(cid).arg(seq));
}
QByteArray join(const QDateTime &time, const QString &nick)
{
    return lineOf(QStringLiteral("JOIN %1 %2").arg(formatTime(time), nick));
}
QByteArray leave(const QDateTime &time, const QString &nick, const QString &reason)
{
    return lineOf(QStringLiteral("LEAVE %1 %2 %3").arg(formatTime(time), nick, reason));
}
QByteArray members(int count)
{
    return lineOf(QStringLiteral("MEMBERS %1").arg(count));
}

QByteArray online(const QList<QString> &nicks)
{
    return lineOf(nicks.isEmpty() ? QStringLiteral("ONLINE")
                                  : QStringLiteral("ONLINE ") + nicks.join(QLatin1Char(' ')));
}
QByteArray error(ErrorCode code, const QString &text)
{
    return lineOf(
        QStringLiteral("ERR %1 %2 %3").arg(static_cast<int>(code)).arg(errorName(code), text));
}
QByteArray bye(const QString &reason)
{
    return lineOf(QStringLiteral("BYE ") + reason);
}

} // namespace longline::protocol
