"""The 年度工作总结 draft (contract §9): wording from resources/report/template.json, figures
from models.stats, the document written with python-docx in 公文 layout."""
