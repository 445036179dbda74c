"""Thai/English labels of the shared vocabulary, for every service that shows or mails them."""
from __future__ import annotations

# The categories of an asset a project produces (assets registers them, notify mails them).
ASSET_CATEGORIES = ("durable_article", "building", "land_improvement", "other")
ASSET_CATEGORY_TH = {"durable_article": "ครุภัณฑ์", "building": "อาคารและสิ่งก่อสร้าง",
                     "land_improvement": "ส่วนปรับปรุงที่ดิน", "other": "อื่น ๆ"}
# The steps of an asset's history (assets records them; the gateway's exports print them).
ASSET_ACTION_TH = {"register": "ลงทะเบียน", "request": "ขอโอน", "approve": "อนุมัติการโอน",
                   "hand_over": "ส่งมอบ", "accept": "รับโอน", "reject": "ปฏิเสธการรับโอน",
                   "cancel": "ยกเลิกการโอน", "audit": "ตรวจนับ", "dispose": "จำหน่าย"}
# How an asset leaves the registry (ระเบียบกระทรวงการคลังว่าด้วยการจัดซื้อจัดจ้างและการบริหารพัสดุ
# ภาครัฐ พ.ศ. 2560, หมวด 9 การจำหน่าย): sale or auction, transfer to another body, conversion or
# destruction, or a write-off of what is lost or beyond use - each on a committee's finding and
# the head of the agency's approval. method: (Thai, English)
DISPOSAL_METHODS = {
    "sale": ("ขาย", "sale"),
    "auction": ("ขายทอดตลาด", "auction"),
    "transfer_out": ("โอนให้หน่วยงานอื่น", "transfer to another body"),
    "write_off": ("จำหน่ายเป็นสูญ", "write-off"),
    "destroy": ("แปรสภาพหรือทำลาย", "conversion or destruction"),
}
