#pragma once
// The Help menu's pages: a short user guide, the keyboard shortcuts, and
// what the liveness settings mean. Plain translated HTML in a scrollable,
// non-modal window, so the user can read it beside the chat.

#include <QDialog>

class QTextBrowser;

namespace longline::app {

class HelpDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Page
    {
        Guide,
        Shortcuts,
        Settings
    };

    explicit HelpDialog(Page page, QWidget *parent = nullptr);

    static QString title(Page page);
    static QString html(Page page);
    QString text() const; // as shown, for tests

private:
    QTextBrowser *m_browser;
};

} // namespace longline::app
