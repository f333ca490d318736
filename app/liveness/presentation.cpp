#include "presentation.h"

#include <QRegularExpression>
#include <QtMath>

namespace longline::app {

namespace {
// Han, kana, full-width punctuation: scripts whose lines may break between
// any two characters.
bool isWide(QChar c)
{
    return c.unicode() >= 0x2e80;
}
constexpr QChar WordJoiner(0x2060);
} // namespace

QString Presentation::keepUnitsTogether(QString text)
{
    for (qsizetype i = 1; i < text.size(); ++i) {
        if (text[i] == QLatin1Char(' ') && text[i - 1].isDigit())
            text[i] = QChar::Nbsp;
    }
    return text;
}

QString Presentation::keepCountsTogether(QString text)
{
    text = keepUnitsTogether(text);
    for (qsizetype i = 1; i + 1 < text.size(); ++i) {
        if (text[i] == QLatin1Char(' ') && isWide(text[i - 1]) && text[i + 1].isDigit())
            text[i] = QChar::Nbsp;
    }
    return text;
}

QString Presentation::keepTogether(const QString &phrase)
{
    QString out;
    out.reserve(phrase.size() * 2);
    for (qsizetype i = 0; i < phrase.size(); ++i) {
        const QChar c = phrase[i];
        if (i > 0 && (isWide(c) || isWide(phrase[i - 1])) && c != QLatin1Char(' ') &&
            phrase[i - 1] != QLatin1Char(' '))
            out += WordJoiner;
        if (c == QLatin1Char(' ')) {
            // A no-break space still allows a break after "|" or "-".
            if (i > 0 && !phrase[i - 1].isLetterOrNumber())
                out += WordJoiner;
            out += QChar(QChar::Nbsp);
        } else {
            out += c;
        }
    }
    return out;
}

QString Presentation::legend(const QString &items)
{
    static const QRegularExpression gap(QStringLiteral("\\s{2,}"));
    QStringList kept;
    for (const QString &item : items.split(gap, Qt::SkipEmptyParts))
        kept << keepTogether(item.trimmed());
    return kept.join(QStringLiteral("   "));
}

QString Presentation::duration(Millis ms)
{
    const qint64 v = ms.count();
    if (v < 0)
        return QStringLiteral("-") + duration(Millis{-v});
    QString text;
    if (v < 1000)
        text = tr("%1 ms").arg(v);
    else if (v < 60000)
        text = tr("%1 s").arg(QString::number(v / 1000.0, 'f', v < 10000 ? 2 : 1));
    else if (v < 3600000 && (v % 60000) / 1000 == 0)
        text = tr("%1 min").arg(v / 60000);
    else if (v < 3600000)
        text = tr("%1 min %2 s").arg(v / 60000).arg((v % 60000) / 1000);
    else if ((v % 3600000) / 60000 == 0)
        text = tr("%1 h").arg(v / 3600000);
    else
        text = tr("%1 h %2 min").arg(v / 3600000).arg((v % 3600000) / 60000);
    return keepUnitsTogether(text);
}

QString Presentation::axisLabel(Millis ago)
{
    const qint64 s = ago.count() / 1000;
    if (s == 0)
        return tr("now");
    if (s % 60 == 0)
        return keepUnitsTogether(tr("−%1 min").arg(s / 60));
    return keepUnitsTogether(tr("−%1 s").arg(s));
}

QString Presentation::rtt(double ms)
{
    if (ms < 1.0 && ms >= 0)
        return keepUnitsTogether(tr("< 1 ms"));
    return keepUnitsTogether(tr("%1 ms").arg(QString::number(ms, 'f', ms < 10 ? 1 : 0)));
}

QString Presentation::state(ChatClient::State state)
{
    switch (state) {
    case ChatClient::State::Disconnected:
        return tr("Disconnected");
    case ChatClient::State::Connecting:
        return tr("Connecting");
    case ChatClient::State::Handshaking:
        return tr("Signing in");
    case ChatClient::State::Online:
        return tr("Online");
    case ChatClient::State::WaitingToReconnect:
        return tr("Waiting to reconnect");
    }
    return tr("Unknown");
}

QString Presentation::cause(DeathCause cause)
{
    switch (cause) {
    case DeathCause::HeartbeatTimeout:
        return tr("heartbeat timeout");
    case DeathCause::KeepaliveTimeout:
        return tr("kernel keepalive timeout");
    case DeathCause::UserTimeout:
        return tr("TCP user timeout");
    case DeathCause::RetransmitTimeout:
        return tr("retransmission timeout");
    case DeathCause::ResetByPeer:
        return tr("reset by peer");
    case DeathCause::ClosedByPeer:
        return tr("closed by peer");
    case DeathCause::LocalError:
        return tr("local error");
    case DeathCause::LocalClose:
        return tr("closed locally");
    }
    return tr("unknown");
}

QString Presentation::causeExplanation(DeathCause cause)
{
    switch (cause) {
    case DeathCause::HeartbeatTimeout:
        return tr("Nothing at all arrived from the server, not even an answer to our pings.");
    case DeathCause::KeepaliveTimeout:
        return tr("The kernel's keepalive probes went unanswered.");
    case DeathCause::UserTimeout:
        return tr("Sent data stayed unacknowledged longer than the TCP user timeout.");
    case DeathCause::RetransmitTimeout:
        return tr("The kernel gave up retransmitting unacknowledged data.");
    case DeathCause::ResetByPeer:
        return tr("The server or a device on the path answered with a reset.");
    case DeathCause::ClosedByPeer:
        return tr("The server closed the connection.");
    case DeathCause::LocalError:
        return tr("The network stack on this computer reported an error.");
    case DeathCause::LocalClose:
        return tr("You closed the connection.");
    }
    return {};
}

QString Presentation::natExplanation(Millis idle, Millis natTimeout)
{
    return tr("The gateway on the way to the server most likely forgot this connection: it was "
              "silent for %1, and the gateway forgets connections silent for %2 (the NAT idle "
              "timeout in Settings). Keepalive or heartbeats more often than every %2 would have "
              "kept it.")
        .arg(duration(idle), duration(natTimeout));
}

QString Presentation::noticed(const DeathVerdict &verdict)
{
    switch (verdict.timeliness()) {
    case DeathVerdict::Timeliness::NoBudget:
        return tr("Noticed after %1.").arg(duration(verdict.detection));
    case DeathVerdict::Timeliness::WithinBudget:
        return tr("Noticed after %1, within the budget of %2.")
            .arg(duration(verdict.detection), duration(*verdict.budget));
    case DeathVerdict::Timeliness::OnTime:
        return tr("Noticed after %1, on time: the budget is %2, and %3 over it is within the "
                  "%4 that timers may run late.")
            .arg(duration(verdict.detection), duration(*verdict.budget),
                 duration(verdict.detection - *verdict.budget),
                 duration(DeathVerdict::SchedulingTolerance));
    case DeathVerdict::Timeliness::Late:
        return tr("Noticed after %1, later than the budget of %2.")
            .arg(duration(verdict.detection), duration(*verdict.budget));
    }
    return {};
}

QString Presentation::noticedBriefly(const DeathVerdict &verdict)
{
    if (verdict.timeliness() == DeathVerdict::Timeliness::OnTime)
        return tr("Noticed after %1, on time (budget %2).")
            .arg(duration(verdict.detection), duration(*verdict.budget));
    return noticed(verdict);
}

QString Presentation::verdict(const DeathVerdict &v)
{
    switch (v.timeliness()) {
    case DeathVerdict::Timeliness::NoBudget:
        break;
    case DeathVerdict::Timeliness::WithinBudget:
        return tr("%1 after %2 (budget %3, within budget)")
            .arg(cause(v.cause), duration(v.detection), duration(*v.budget));
    case DeathVerdict::Timeliness::OnTime:
        return tr("%1 after %2 (budget %3, on time: %4 over is within the %5 scheduling "
                  "tolerance)")
            .arg(cause(v.cause), duration(v.detection), duration(*v.budget),
                 duration(v.detection - *v.budget), duration(DeathVerdict::SchedulingTolerance));
    case DeathVerdict::Timeliness::Late:
        return tr("%1 after %2 (budget %3, exceeded)")
            .arg(cause(v.cause), duration(v.detection), duration(*v.budget));
    }
    return tr("%1 after %2").arg(cause(v.cause), duration(v.detection));
}

QString Presentation::timer(KernelSocketView::Timer t)
{
    switch (t) {
    case KernelSocketView::Timer::None:
        return tr("none");
    case KernelSocketView::Timer::Retransmit:
        return tr("retransmit");
    case KernelSocketView::Timer::Keepalive:
        return tr("keepalive");
    case KernelSocketView::Timer::TimeWait:
        return tr("time-wait");
    case KernelSocketView::Timer::ZeroWindowProbe:
        return tr("zero-window probe");
    }
    return tr("none");
}

QString Presentation::tcpState(int state)
{
    // Names as the kernel and ss(8) spell them; not translated.
    return KernelSocketView::stateName(state);
}

} // namespace longline::app
