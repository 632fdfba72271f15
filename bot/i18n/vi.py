"""Vietnamese texts (the default). Keep the tone polite and plain: "bạn", short sentences."""

STRINGS: dict[str, str] = {
    # -- commands (setMyCommands) --
    "cmd.ask": "Đặt câu hỏi",
    "cmd.my": "Câu hỏi của tôi",
    "cmd.help": "Hướng dẫn sử dụng",
    "cmd.cancel": "Hủy thao tác đang làm",
    # -- start, menu, help --
    "start.greeting": (
        "Xin chào {name}! 👋\n"
        "Đây là <b>Đối thoại</b> — kênh để đoàn viên công đoàn, công nhân, viên chức, "
        "người lao động gửi câu hỏi tới Công đoàn và các sở, ngành của tỉnh.\n\n"
        "• Câu hỏi đã từng được giải đáp: bot trả lời ngay.\n"
        "• Câu hỏi mới: bot chuyển tới cán bộ phụ trách và gửi lại câu trả lời cho bạn.\n"
        "• Bạn có thể hỏi <b>ẩn danh</b>.\n\n"
        "Bạn muốn làm gì?"
    ),
    "menu.ask": "✍️ Đặt câu hỏi",
    "menu.my": "📋 Câu hỏi của tôi",
    "menu.help": "❓ Hướng dẫn",
    "help.text": (
        "<b>Cách dùng Đối thoại</b>\n"
        "/ask — đặt câu hỏi: chọn chủ đề, gõ câu hỏi, chọn gửi kèm tên hay ẩn danh.\n"
        "/my — xem các câu hỏi bạn đã gửi và câu trả lời.\n"
        "/cancel — hủy câu hỏi đang soạn.\n\n"
        "Khi cán bộ trả lời, bot sẽ nhắn cho bạn kèm mã câu hỏi (ví dụ #12). "
        "Nếu gửi ẩn danh, cán bộ không thấy tên hay tài khoản của bạn."
    ),
    # -- asking --
    "ask.choose_topic": "Bạn muốn hỏi về lĩnh vực nào? Bạn chọn một chủ đề bên dưới nhé:",
    "ask.type_question": (
        "Chủ đề: <b>{topic}</b>\n"
        "Mời bạn gõ câu hỏi (ít nhất 10 ký tự, tối đa 2.000 ký tự). Gõ /cancel nếu muốn hủy."
    ),
    "ask.topic_chosen": "Chủ đề: <b>{topic}</b>",
    "ask.too_short": (
        "Câu hỏi hơi ngắn nên cán bộ khó hiểu đúng ý bạn. "
        "Bạn vui lòng viết rõ hơn, ít nhất {minimum} ký tự (chữ hoặc số)."
    ),
    "ask.too_long": (
        "Câu hỏi dài {length} ký tự, vượt quá giới hạn {maximum} ký tự. "
        "Bạn vui lòng rút gọn, hoặc tách thành vài câu hỏi nhỏ."
    ),
    "ask.not_text": (
        "Xin lỗi, hiện bot chỉ nhận câu hỏi bằng chữ. Bạn vui lòng gõ câu hỏi "
        "thay vì gửi nhãn dán, tin nhắn thoại, hình ảnh hay tệp."
    ),
    "ask.kb_found": "📚 Câu hỏi tương tự đã được giải đáp:",
    "ask.kb_entry": "<b>Hỏi:</b> {question}\n<b>Đáp:</b> {answer}",
    "ask.kb_prompt": "Thông tin trên đã giải đáp thắc mắc của bạn chưa?",
    "ask.kb_yes": "✅ Đã rõ, cảm ơn",
    "ask.kb_no": "📨 Vẫn gửi câu hỏi cho cán bộ",
    "ask.kb_thanks": "Rất vui vì đã giúp được bạn! Khi cần, bạn cứ gõ /ask để hỏi tiếp.",
    "ask.identity": (
        "Bạn muốn gửi câu hỏi <b>kèm tên</b> hay <b>ẩn danh</b>?\n"
        "• Kèm tên: cán bộ thấy tên của bạn là “{name}”.\n"
        "• Ẩn danh: cán bộ không thấy tên hay tài khoản của bạn; câu trả lời vẫn được gửi về cho bạn."
    ),
    "ask.named": "👤 Gửi kèm tên",
    "ask.anonymous": "🕶 Gửi ẩn danh",
    "ask.confirm": (
        "Bạn kiểm tra lại trước khi gửi nhé:\n"
        "<b>Chủ đề:</b> {topic}\n"
        "<b>Hình thức:</b> {identity}\n"
        "<b>Câu hỏi:</b>\n<blockquote>{question}</blockquote>"
    ),
    "ask.identity_named": "kèm tên ({name})",
    "ask.identity_anonymous": "ẩn danh",
    "ask.send": "📨 Gửi câu hỏi",
    "ask.cancel": "✖️ Hủy",
    "ask.sent": (
        "✅ Đã gửi câu hỏi. Mã câu hỏi của bạn là <b>#{id}</b>.\n"
        "Khi cán bộ trả lời, bot sẽ gửi ngay cho bạn. Bạn có thể xem lại bằng /my."
    ),
    "ask.cancelled": "Đã hủy câu hỏi đang soạn. Bạn có thể hỏi lại bất cứ lúc nào bằng /ask.",
    "ask.nothing_to_cancel": "Hiện bạn không có thao tác nào cần hủy. Gõ /ask để đặt câu hỏi.",
    "ask.stale_button": "Nút này đã cũ. Bạn vui lòng dùng tin nhắn mới nhất hoặc gõ /ask.",
    "ask.use_buttons": "Bạn vui lòng bấm chọn ở các nút phía trên, hoặc gõ /cancel để hủy.",
    "ask.unknown_topic": "Chủ đề này không còn nữa. Bạn vui lòng chọn lại.",
    # -- my questions --
    "my.empty": "Bạn chưa gửi câu hỏi nào. Gõ /ask để đặt câu hỏi đầu tiên.",
    "my.header": "<b>Câu hỏi của bạn</b> (mới nhất trước):",
    "my.item": "<b>#{id}</b> · {topic} · {status}\n<blockquote>{question}</blockquote>",
    "my.item_answer": "<b>Trả lời:</b> {answer}",
    "status.open": "⏳ đang chờ trả lời",
    "status.answered": "✅ đã trả lời",
    # -- answers reaching the worker --
    "answer.delivered": (
        "📬 Câu hỏi <b>#{id}</b> của bạn đã có câu trả lời.\n\n"
        "<b>Bạn hỏi:</b>\n<blockquote>{question}</blockquote>\n"
        "<b>Trả lời:</b>\n{answer}"
    ),
    "answer.continued": "📬 <b>#{id}</b> (tiếp theo)\n{answer}",
    "answer.rate_up": "👍 Hữu ích",
    "answer.rate_down": "👎 Chưa thỏa đáng",
    "rate.thanks": "Cảm ơn bạn đã đánh giá!",
    "rate.invalid": "Nút này không dùng được nữa.",
    # -- general --
    "error.generic": (
        "Xin lỗi, bot vừa gặp sự cố. Những gì bạn đã gửi vẫn được lưu an toàn. "
        "Bạn vui lòng thử lại sau ít phút."
    ),
    "unknown.command": "Bot chưa hiểu lệnh này. Gõ /help để xem hướng dẫn.",
    # -- officials' group --
    "card.new": (
        "📩 <b>#{id}</b> · {topic}\n"
        "<b>Người hỏi:</b> {asker}\n"
        "<blockquote>{question}</blockquote>\n"
        "<i>Trả lời bằng cách reply tin nhắn này, hoặc /answer {id} nội dung.</i>"
    ),
    "card.anonymous": "Ẩn danh",
    "card.answered": (
        "✅ <b>#{id}</b> · {topic}\n"
        "<b>Người hỏi:</b> {asker}\n"
        "<blockquote>{question}</blockquote>\n"
        "<b>Đã trả lời</b> bởi {official} lúc {time}:\n{answer}"
    ),
    "officials.answer_sent": "✅ Đã ghi nhận trả lời cho #{id}; bot đang gửi tới người hỏi.",
    "officials.answer_usage": "Cú pháp: /answer &lt;mã câu hỏi&gt; &lt;nội dung trả lời&gt;, ví dụ: /answer 12 Nội dung…",
    "officials.no_such_question": "Không tìm thấy câu hỏi #{id}.",
    "officials.answer_empty": "Nội dung trả lời đang trống. Bạn vui lòng gõ nội dung trả lời.",
    "officials.answer_not_text": "Trả lời cần là văn bản. Bạn vui lòng gõ nội dung trả lời.",
    "officials.not_allowed": "Chỉ cán bộ trong nhóm cán bộ mới được trả lời câu hỏi.",
}
