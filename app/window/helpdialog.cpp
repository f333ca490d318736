#include "helpdialog.h"

#include <QDialogButtonBox>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace longline::app {

namespace {
// Room for a paragraph a comfortable line long, in characters.
constexpr int WidthEms = 46;
constexpr int HeightLines = 28;
} // namespace

HelpDialog::HelpDialog(Page page, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("helpDialog"));
    setWindowTitle(title(page));
    m_browser = new QTextBrowser(this);
    m_browser->setOpenExternalLinks(true);
    m_browser->setHtml(html(page));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_browser, 1);
    layout->addWidget(buttons);
    const QFontMetrics fm = fontMetrics();
    resize(fm.horizontalAdvance(QLatin1Char('m')) * WidthEms, fm.height() * HeightLines);
}

QString HelpDialog::text() const
{
    return m_browser->toPlainText();
}

QString HelpDialog::title(Page page)
{
    switch (page) {
    case Page::Guide:
        return tr("Longline User Guide");
    case Page::Shortcuts:
        return tr("Keyboard Shortcuts");
    case Page::Settings:
        return tr("What the Settings Mean");
    }
    return {};
}

QString HelpDialog::html(Page page)
{
    switch (page) {
    case Page::Guide:
        return tr("<h3>Chatting</h3>"
                  "<p>Connect with Ctrl+K: a server, a port and a nick. Type in the line at the "
                  "bottom and press Enter. Up and Down bring back what you sent before; Tab "
                  "completes a nick. If you scroll up to read, new messages wait below and a "
                  "marker counts them; click it to jump back down.</p>"
                  "<h3>When the connection dies</h3>"
                  "<p>A banner above the conversation says what died, why, and how long it took "
                  "to notice compared with the budget your settings promise. Longline reconnects "
                  "by itself; what you typed meanwhile is kept, marked unsent, and sent once the "
                  "connection is back. Missed messages come from the server's history.</p>"
                  "<h3>The side panel</h3>"
                  "<p>Beside the chat: who is online, the connection's status (round trips, the "
                  "kernel's view of the socket, a timeline and an event log) and the liveness "
                  "settings. The status bar always shows the state, the round trip, the silence "
                  "since the last byte, the next probe and the budget in force.</p>"
                  "<h3>In a classroom</h3>"
                  "<p>View → Larger Text (Ctrl+Shift+L) makes everything readable on a "
                  "projector; the window still fits 1280x720.</p>");
    case Page::Shortcuts:
        return tr("<table cellpadding=\"4\">"
                  "<tr><td><b>Ctrl+K</b></td><td>Connect to a server</td></tr>"
                  "<tr><td><b>Ctrl+D</b></td><td>Disconnect (no automatic reconnect)</td></tr>"
                  "<tr><td><b>Ctrl+M</b></td><td>Side panel: who is online</td></tr>"
                  "<tr><td><b>Ctrl+I</b></td><td>Side panel: connection status</td></tr>"
                  "<tr><td><b>Ctrl+,</b></td><td>Side panel: liveness settings (again to "
                  "close)</td></tr>"
                  "<tr><td><b>Ctrl+Shift+L</b></td><td>Larger text for a projector</td></tr>"
                  "<tr><td><b>Up / Down</b></td><td>Messages you sent before</td></tr>"
                  "<tr><td><b>Tab</b></td><td>Complete a nick</td></tr>"
                  "<tr><td><b>Ctrl+C</b></td><td>Copy the selected messages</td></tr>"
                  "<tr><td><b>F2</b>, double-click</td><td>Open a message's text to select and "
                  "copy part of it (Escape closes it)</td></tr>"
                  "<tr><td><b>F1</b></td><td>This guide</td></tr>"
                  "<tr><td><b>Ctrl+Q</b></td><td>Quit</td></tr>"
                  "</table>"
                  "<p>/who asks who is online; /quit disconnects.</p>");
    case Page::Settings:
        return tr(
            "<p>A connection can die without a word: a NAT gateway forgets it, a cable "
            "is pulled, a laptop sleeps. These settings decide how soon Longline "
            "notices.</p>"
            "<h3>OS keepalive</h3>"
            "<p>The kernel sends a probe after <b>Idle</b> seconds of silence, then one every "
            "<b>Interval</b> seconds; after <b>Count</b> unanswered probes the connection "
            "is dead. Probes wait while sent data is still unacknowledged.</p>"
            "<h3>TCP user timeout</h3>"
            "<p>How long sent data may stay unacknowledged before the kernel gives up. "
            "With keepalive on, it also caps the probing.</p>"
            "<h3>Application heartbeats</h3>"
            "<p>Longline itself sends a PING after <b>Ping interval</b> of silence and "
            "declares the server dead after a further <b>Timeout</b>. They pass through "
            "every proxy and also keep NAT mappings warm.</p>"
            "<h3>NAT idle timeout</h3>"
            "<p>How long the gateway on your path keeps an idle connection. Keep-warm "
            "traffic must come more often than that; \"Measure this path\" finds it.</p>"
            "<h3>The budget</h3>"
            "<p>The worst-case time to notice a dead link with these settings. A verdict "
            "within the budget, or over it by less than the timers' scheduling tolerance, "
            "is on time.</p>");
    }
    return {};
}

} // namespace longline::app
