#include "sidepanel.h"

#include <QScrollArea>
#include <QScrollBar>
#include <QShowEvent>
#include <QTabBar>

namespace longline::app {

namespace {
// Wide enough for the settings' form in normal text; larger text scrolls.
constexpr int PreferredEms = 34;
// Narrow enough to leave the chat its share on a 1024 px screen.
constexpr int MinimumEms = 16;
} // namespace

SidePanel::SidePanel(QWidget *members, QWidget *connection, QWidget *settings, QWidget *parent)
    : QTabWidget(parent)
{
    setObjectName(QStringLiteral("sidePanel"));
    setDocumentMode(true);
    // The titles are set by the window (they carry counts and mnemonics).
    addTab(members, QString());
    addTab(scrolled(connection), QString());
    addTab(scrolled(settings), QString());
    connect(this, &QTabWidget::currentChanged, this, &SidePanel::pageShown);
}

QScrollArea *SidePanel::scrolled(QWidget *page)
{
    auto *scroll = new QScrollArea;
    scroll->setObjectName(page->objectName() + QStringLiteral("Scroll"));
    scroll->setWidget(page);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    // Never sideways: the panel is as wide as its widest page needs.
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return scroll;
}

void SidePanel::showPage(Page page)
{
    setCurrentIndex(static_cast<int>(page));
    show();
}

void SidePanel::togglePage(Page page)
{
    if (isShowing(page))
        hide();
    else
        showPage(page);
}

bool SidePanel::isShowing(Page page) const
{
    return !isHidden() && currentPage() == page;
}

void SidePanel::setPageTitle(Page page, const QString &title)
{
    setTabText(static_cast<int>(page), title);
}

QSize SidePanel::sizeHint() const
{
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    const int share = window() != this ? int(window()->width() * PreferredWindowShare) : 0;
    return {std::max({em * PreferredEms, share, minimumSizeHint().width()}),
            QTabWidget::sizeHint().height()};
}

QSize SidePanel::minimumSizeHint() const
{
    // The pages scroll up and down, never sideways: the panel is at least
    // as wide as the widest page needs.
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    int width = std::max(em * MinimumEms, tabBar()->minimumSizeHint().width());
    for (int i = 0; i < count(); ++i) {
        const QWidget *page = widget(i);
        if (const auto *scroll = qobject_cast<const QScrollArea *>(page))
            width = std::max(width, scroll->widget()->minimumSizeHint().width() +
                                        scroll->verticalScrollBar()->sizeHint().width());
        else
            width = std::max(width, page->minimumSizeHint().width());
    }
    return {width, tabBar()->sizeHint().height() * 4};
}

void SidePanel::showEvent(QShowEvent *event)
{
    QTabWidget::showEvent(event);
    if (!event->spontaneous())
        Q_EMIT pageShown();
}

void SidePanel::hideEvent(QHideEvent *event)
{
    QTabWidget::hideEvent(event);
    if (!event->spontaneous())
        Q_EMIT pageShown();
}

} // namespace longline::app
