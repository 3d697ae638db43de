"""Word lists for the synthetic world (company names, people, titles, geography)."""
from __future__ import annotations

SYLL_A = ["Blue", "North", "Silver", "Bright", "Apex", "Cedar", "Iron", "Red", "Green", "Stone", "Clear", "Swift",
          "Oak", "Pine", "Summit", "River", "Golden", "Star", "Sun", "Frost", "Eagle", "Falcon", "Harbor", "Maple",
          "Crest", "Prime", "Nova", "Terra", "Vertex", "Quantum", "Orion", "Atlas", "Beacon", "Cobalt", "Delta",
          "Ember", "Fusion", "Granite", "Horizon", "Indigo", "Jade", "Kestrel", "Lumen", "Meridian", "Nimbus",
          "Onyx", "Pioneer", "Radiant", "Sable", "Titan", "Umber", "Velvet", "Willow", "Zenith", "Aspen", "Birch",
          "Copper", "Dawn", "Echo", "Fern"]
SYLL_B = ["peak", "wind", "stone", "field", "bridge", "gate", "wave", "point", "line", "path", "works", "light",
          "view", "crest", "ridge", "brook", "forge", "port", "vale", "mark", "spire", "core", "shore", "haven",
          "grove", "fold", "leaf", "rock", "star", "side", "wood", "land", "hill", "bay", "way", "mont", "ford",
          "well", "dale", "fall", "gen", "tek", "nex", "sys", "ly", "io", "ora", "ant", "ix", "ara", "lab", "hub",
          "cast", "bloom", "flow", "sight", "stack", "loop", "scale", "shift"]
CORE = {
    "Software": ["Software", "Systems", "Labs", "Technologies", "Cloud", "Data", "Analytics", "Digital"],
    "Financial Services": ["Capital", "Financial", "Bank", "Partners", "Investments", "Insurance", "Securities"],
    "Healthcare": ["Health", "Medical", "Clinics", "Pharma", "Biotech", "Care", "Diagnostics"],
    "Manufacturing": ["Manufacturing", "Industries", "Metals", "Machinery", "Components", "Plastics", "Engineering"],
    "Retail": ["Retail", "Stores", "Brands", "Outfitters", "Market", "Goods", "Apparel"],
    "Education": ["Learning", "Academy", "Education", "Institute", "Schools", "Training"],
    "Logistics": ["Logistics", "Freight", "Transport", "Shipping", "Supply", "Express"],
    "Media": ["Media", "Studios", "Publishing", "Entertainment", "Broadcasting", "Creative"],
    "Energy": ["Energy", "Power", "Solar", "Utilities", "Renewables", "Oil & Gas"],
    "Professional Services": ["Consulting", "Advisors", "Solutions", "Services", "Group", "Associates"],
}
INDUSTRIES = list(CORE)
INDUSTRY_P = [0.16, 0.11, 0.1, 0.13, 0.1, 0.06, 0.08, 0.07, 0.06, 0.13]
LEGAL = {"NA": ["Inc.", "Inc", "LLC", "Corp.", "Corporation", ""], "EMEA_UK": ["Ltd", "Limited", "PLC", "Ltd."],
         "EMEA_DE": ["GmbH", "AG"], "EMEA_FR": ["S.A.", "SAS", "SARL"], "EMEA": ["B.V.", "AB", "S.L.", "Ltd"],
         "APAC": ["Pty Ltd", "Pte. Ltd.", "Co., Ltd.", "K.K.", "Ltd"], "LATAM": ["S.A. de C.V.", "Ltda.", "S.A."]}
COUNTRIES = {  # region -> [(country, weight, tld)]
    "NA": [("United States", 0.85, "com"), ("Canada", 0.15, "ca")],
    "EMEA": [("United Kingdom", 0.3, "co.uk"), ("Germany", 0.25, "de"), ("France", 0.15, "fr"),
             ("Netherlands", 0.1, "nl"), ("Spain", 0.1, "es"), ("Sweden", 0.1, "se")],
    "APAC": [("Australia", 0.35, "com.au"), ("Japan", 0.2, "co.jp"), ("Singapore", 0.2, "com.sg"),
             ("India", 0.25, "co.in")],
    "LATAM": [("Brazil", 0.6, "com.br"), ("Mexico", 0.4, "com.mx")],
}
REGIONS = ["NA", "EMEA", "APAC", "LATAM"]
REGION_P = [0.5, 0.3, 0.15, 0.05]
TECH = ["tech_crm", "tech_marketing_automation", "tech_cloud_dw", "tech_erp", "tech_bi", "tech_competitor"]
TECH_P = [0.45, 0.35, 0.3, 0.4, 0.35, 0.2]

FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
         "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
         "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret", "Steven", "Sandra",
         "Paul", "Ashley", "Andrew", "Kimberly", "Joshua", "Emily", "Kevin", "Donna", "Brian", "Michelle",
         "George", "Carol", "Timothy", "Amanda", "Ronald", "Melissa", "Jason", "Deborah", "Ryan", "Laura",
         "Priya", "Raj", "Wei", "Mei", "Hiroshi", "Yuki", "Lukas", "Anna", "Sofia", "Mateo", "Lucas", "Emma",
         "Olivia", "Noah", "Liam", "Ava", "Ines", "Pierre", "Camille", "Sven", "Astrid", "Diego", "Camila"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
        "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel",
        "Kumar", "Chen", "Wang", "Tanaka", "Sato", "Müller", "Schmidt", "Schneider", "Dubois", "Lefebvre",
        "Andersson", "Johansson", "Silva", "Santos", "Oliveira", "Rossi", "Bianchi", "Novak", "Kowalski"]
FREEMAIL = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "aol.com", "icloud.com", "gmx.de",
            "yahoo.co.uk", "protonmail.com", "live.com"]

FUNCTIONS = ["marketing", "sales", "it", "finance", "operations", "hr", "executive", "other"]
FUNCTION_P = [0.22, 0.2, 0.17, 0.1, 0.11, 0.06, 0.06, 0.08]
SENIORITY = ["c_level", "vp", "director", "manager", "ic"]
SENIORITY_P = [0.05, 0.1, 0.2, 0.3, 0.35]
FN_WORDS = {
    "marketing": ["Marketing", "Mktg", "Demand Generation", "Marketing Operations", "Growth Marketing", "Brand",
                  "Digital Marketing", "Product Marketing"],
    "sales": ["Sales", "Business Development", "Revenue", "Account Management", "Sales Operations", "Partnerships"],
    "it": ["IT", "Information Technology", "IT & Security", "Infrastructure", "Engineering", "Data", "Technology"],
    "finance": ["Finance", "Accounting", "FP&A", "Procurement", "Controlling", "Treasury"],
    "operations": ["Operations", "Ops", "Supply Chain", "Customer Success", "Business Operations"],
    "hr": ["HR", "Human Resources", "People", "Talent Acquisition", "People Operations"],
    "other": ["Legal", "Research", "Facilities", "Administration", "Quality"],
}
C_TITLES = {"marketing": ["Chief Marketing Officer", "CMO"], "sales": ["Chief Revenue Officer", "CRO", "Chief Sales Officer"],
            "it": ["Chief Information Officer", "CIO", "CTO", "Chief Technology Officer", "CISO"],
            "finance": ["Chief Financial Officer", "CFO"], "operations": ["Chief Operating Officer", "COO"],
            "hr": ["Chief People Officer", "CHRO"], "other": ["General Counsel", "Chief Legal Officer"],
            "executive": ["CEO", "Chief Executive Officer", "Founder & CEO", "President", "Managing Director",
                          "Co-Founder", "Owner"]}
SEN_TEMPLATES = {
    "vp": ["VP, {f}", "Vice President of {f}", "SVP {f}", "VP {f}", "Vice President, {f}", "EVP, {f}"],
    "director": ["Director of {f}", "Sr. Director, {f}", "Head of {f}", "{f} Director", "Dir. {f}", "Global Head of {f}"],
    "manager": ["{f} Manager", "Manager, {f}", "Sr. {f} Manager", "{f} Mgr", "Team Lead, {f}"],
    "ic": ["{f} Specialist", "{f} Analyst", "{f} Coordinator", "Senior {f} Associate", "{f} Executive",
           "{f} Representative"],
}
#: Executive-office titles below the CEO; their seniority is "director" in the truth.
EXEC_LOWER = ["General Manager", "Executive Director", "Chief of Staff", "Partner"]

ACTIVITIES = {  # activity -> (channel, funnel)
    "email_open": ("email", "tofu"), "web_visit": ("web", "tofu"), "ad_click": ("paid_social", "tofu"),
    "display_click": ("display", "tofu"),
    "email_click": ("email", "mofu"), "content_download": ("content", "mofu"), "webinar_attend": ("webinar", "mofu"),
    "event_attend": ("event", "mofu"), "direct_mail_response": ("direct_mail", "mofu"),
    "pricing_page": ("web", "bofu"), "demo_request": ("web", "bofu"), "contact_sales": ("web", "bofu"),
    "sales_meeting": ("sales", "bofu"),
}
ORGANIC_MIX = {
    "tofu": (["email_open", "web_visit", "ad_click", "display_click"], [0.4, 0.4, 0.12, 0.08]),
    "mofu": (["email_click", "content_download", "webinar_attend", "event_attend"], [0.35, 0.35, 0.2, 0.1]),
    "bofu": (["pricing_page", "demo_request", "contact_sales", "sales_meeting"], [0.5, 0.2, 0.15, 0.15]),
}
ABM_MIX = (["ad_click", "display_click", "email_open", "email_click", "event_attend", "direct_mail_response",
            "sales_meeting"], [0.3, 0.2, 0.2, 0.1, 0.08, 0.07, 0.05])
COST_CHANNELS = {"paid_social": 0.3, "display": 0.15, "email": 0.05, "event": 0.2, "direct_mail": 0.1, "sales": 0.2}
