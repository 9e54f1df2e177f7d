DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com;
 s=ed1; t=1762250400; h=from:subject:date:to:message-id:content-type:
 content-transfer-encoding:from:to:cc:subject:reply-to;
 bh=S1yYoao4a0xW1cIV6RThfLLRjVM0P0qiSS6Cip7RZ+o=; b=iPDL+SZ9rsW+tETq/m5XSM2oXy
 Mon4HuuarphWai/S0XYJ2Q4cnC8RzHVpciRvNEP5rGVw4m85zqZljpMguFAQ==
