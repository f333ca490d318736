#pragma once
// The one side panel beside the conversation: who is online, the
// connection's instruments (status, timeline, event log) and the liveness
// settings as pages of one tab widget. One panel instead of three docks, so
// opening any of them takes a bounded share of the width and the chat stays
// the largest thing on screen.

#include <QTabWidget>

class QScrollArea;

namespace longline::app {

class SidePanel : public QTabWidget
{
    Q_OBJECT
public:
    enum class Page
    {
        Members,
        Connection,
        Settings
    };
    // Never more than this share of the window's width: the conversation
    // keeps the rest.
    static constexpr double MaxWindowShare = 0.45;
    // The share it asks for on a large screen, where 34 em would be narrow.
    static constexpr double PreferredWindowShare = 0.3;

    SidePanel(QWidget *members, QWidget *connection, QWidget *settings, QWidget *parent = nullptr);

    Page currentPage() const { return static_cast<Page>(currentIndex()); }
    void showPage(Page page);
    // Shows `page`, or hides the panel when it already shows that page:
    // what a View menu toggle or its shortcut does.
    void togglePage(Page page);
    // Whether the panel is open on `page`.
    bool isShowing(Page page) const;
    void setPageTitle(Page page, const QString &title);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    // The panel was opened, closed or turned to another page.
    void pageShown();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    // A tall page scrolls vertically inside the panel instead of growing
    // the window past a small screen.
    static QScrollArea *scrolled(QWidget *page);
};

} // namespace longline::app
