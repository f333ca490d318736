#pragma once
// The conversation: a list view over ChatLogModel with a delegate that
// draws time, nick, wrapped text and the delivery mark (unsent / ✓), and
// notices centred. Follows new messages while scrolled to the bottom.

#include <QHash>
#include <QListView>
#include <QStyledItemDelegate>

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

    static QColor nickColor(const QString &nick, const QPalette &palette);

private:
    struct Columns
    {
        int time = 0;
        int nick = 0;
        int status = 0;
    };
    Columns columns(const QFontMetrics &fm) const;
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

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void copySelection();
    void onRowsAboutToBeInserted();
    void onRowsInserted();

    ChatLogModel *m_model = nullptr;
    bool m_follow = true;         // at the bottom when rows arrived
    bool m_scrollPending = false; // a scrollToBottom is queued
};

} // namespace longline::app
