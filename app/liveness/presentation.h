#pragma once
// Localised wording shared by the widgets: durations, connection states,
// death causes and their explanations. No widgets, so tests can check it.

#include "chatclient.h"
#include "deathverdict.h"
#include "kernelsocketview.h"

#include <QCoreApplication>
#include <QString>

namespace longline::app {

class Presentation
{
    Q_DECLARE_TR_FUNCTIONS(Presentation)
public:
    // "350 ms", "1.25 s", "2 min 5 s", "2 h" (translated units, each number
    // held to its unit by a non-breaking space).
    static QString duration(Millis ms);
    // `text` with every space after a digit made non-breaking, so a wrapped
    // label never leaves "121" on one line and "ms" on the next.
    static QString keepUnitsTogether(QString text);
    // The same, and in Chinese also the counter before a number: "（第 1 次）"
    // stays on one line.
    static QString keepCountsTogether(QString text);
    // `phrase` on one line wherever it is laid out: spaces made
    // non-breaking, word joiners (U+2060) between Chinese characters.
    static QString keepTogether(const QString &phrase);
    // A legend "● a   ◆ b c": the items, separated by two or more spaces,
    // may go to the next line, never the words within one.
    static QString legend(const QString &items);
    // A time axis label: "now", "−30 s", "−2 min".
    static QString axisLabel(Millis ago);
    // Round trips in milliseconds with one decimal below 10 ms.
    static QString rtt(double ms);
    static QString state(ChatClient::State state);
    // The short name of a cause, the translated counterpart of
    // DeathVerdict::causeName().
    static QString cause(DeathCause cause);
    // One sentence on what the cause means for the user.
    static QString causeExplanation(DeathCause cause);
    // In a student's words, when a NAT gateway most likely forgot the
    // connection (likelyNatDrop): how long it was silent, the timeout.
    static QString natExplanation(Millis idle, Millis natTimeout);
    // "heartbeat timeout after 1.02 s (budget 1.00 s, within budget)".
    static QString verdict(const DeathVerdict &verdict);
    // For the banner: "Noticed after 6.13 s, on time: the budget is …".
    static QString noticed(const DeathVerdict &verdict);
    // The same in fewer words, for the compact banner:
    // "Noticed after 6.13 s, on time (budget 6.00 s)."
    static QString noticedBriefly(const DeathVerdict &verdict);
    static QString timer(KernelSocketView::Timer timer);
    static QString tcpState(int state);
};

} // namespace longline::app
