#pragma once
// The conversation: a list view over ChatLogModel with a delegate that
// draws time, nick, wrapped text and the delivery mark (unsent / ✓), and
// notices centred. Follows new messages unless the user scrolled up; then
// a marker counts the messages below and jumps there when clicked.

#include <QHash>
#include <QListView>
#include <QStyledItemDelegate>
#include <chrono>
#include <functional>

class QPushButton;

namespace longline::app {

class ChatLogModel;
struct ChatEntry;

class ChatItemDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit ChatItemDelegate(QListView *view);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    // Double-click (or F2) on a message: its text, read-only, in place, so
    // any part of it can be selected and copied.
    QWidget *createEditor(QWidget *parent, const QStyleOptionViewItem &option,
                          const QModelIndex &index) const override;
    void setEditorData(QWidget *editor, const QModelIndex &index) const override;
    void setModelData(QWidget *, QAbstractItemModel *, const QModelIndex &) const override {}
    void updateEditorGeometry(QWidget *editor, const QStyleOptionViewItem &option,
                              const QModelIndex &index) const override;

    static QColor nickColor(const QString &nick, const QPalette &palette);
    // The web address under `pos` in the row drawn in `rowRect`, if any.
    QString linkAt(const QModelIndex &index, const QRect &rowRect, const QPoint &pos) const;
    // Where each http(s) address in `text` starts and how long it is.
    static QList<std::pair<int, int>> linkSpans(const QString &text);

private:
    struct Columns
    {
        int time = 0;
        int nick = 0;
        int status = 0;
    };
    Columns columns(const QFontMetrics &fm) const;
    // Where a message's text column starts and how wide it is.
    QRect textRect(const QRect &rowRect, const QFontMetrics &fm) const;
    int availableWidth() const;
    const ChatEntry *entryFor(const QModelIndex &index) const;

    QListView *m_view;
    // Row heights by kind and text for the current width and font: the
    // view asks for every row's size on each relayout, and laying out
    // thousands of long texts each time would freeze the window.
    mutable QHash<QString, int> m_heights;
    mutable int m_heightsWidth = -1;
    mutable QString m_heightsFont;
};

class ChatView : public QListView
{
    Q_OBJECT
public:
    explicit ChatView(QWidget *parent = nullptr);
    void setChatModel(ChatLogModel *model);
    // Selected rows as text, for the clipboard.
    QString selectedText() const;

    // Whether new rows scroll the view (the user has not scrolled up).
    bool isFollowing() const { return m_follow; }
    // Messages that arrived below while the user was reading further up.
    int unreadBelow() const { return m_unreadBelow; }
    QPushButton *unreadMarker() const { return m_marker; }
    // How a clicked link is opened (QDesktopServices by default; tests
    // put their own here).
    using LinkOpener = std::function<void(const QUrl &url)>;
    void setLinkOpener(LinkOpener opener) { m_openLink = std::move(opener); }
    // Back to the newest message, following again.
    void jumpToBottom();

Q_SIGNALS:
    void unreadBelowChanged(int count);
    // The user scrolled (or turned the wheel) up at the top: show older.
    void olderWanted();

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;

private:
    void copySelection();
    void onRowsAboutToBeInserted(const QModelIndex &parent, int first, int last);
    void onRowsInserted(const QModelIndex &parent, int first, int last);
    void onScrolled(int value);
    void onRangeChanged();
    void scheduleScrollToBottom();
    void setUnreadBelow(int count);
    void placeMarker();

    ChatLogModel *m_model = nullptr;
    QPushButton *m_marker = nullptr;
    ChatItemDelegate *m_delegate = nullptr;
    LinkOpener m_openLink;
    int m_unreadBelow = 0;
    // Decided by the user's scrolling alone: a banner, a font change or a
    // scroll bar appearing changes the range, never whether to follow.
    bool m_follow = true;
    bool m_scrolling = false;     // the view itself moves the scroll bar
    bool m_scrollPending = false; // a scrollToBottom is queued
    // Rows inserted above what is shown (scroll-back): the view keeps its
    // distance from the bottom, so the rows the user reads stay in place.
    int m_keepFromBottom = -1;
    static constexpr std::chrono::milliseconds KeepPlaceFor{200};
};

} // namespace longline::app
