"""Thai/English labels of the shared vocabulary, for every service that shows or mails them."""
from __future__ import annotations

# The categories of an asset a project produces (assets registers them, notify mails them).
ASSET_CATEGORIES = ("durable_article", "building", "land_improvement", "other")
ASSET_CATEGORY_TH = {"durable_article": "ครุภัณฑ์", "building": "อาคารและสิ่งก่อสร้าง",
                     "land_improvement": "ส่วนปรับปรุงที่ดิน", "other": "อื่น ๆ"}
# The steps of an asset's history (assets records them; the gateway's exports print them).
ASSET_ACTION_TH = {"register": "ลงทะเบียน", "request": "ขอโอน", "approve": "อนุมัติการโอน",
                   "hand_over": "ส่งมอบ", "accept": "รับโอน", "reject": "ปฏิเสธการรับโอน",
                   "cancel": "ยกเลิกการโอน", "audit": "ตรวจนับ"}
