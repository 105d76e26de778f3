"""Project-made drawings for the shipped banks (GB 2894 shapes and colours; simple diagrams).

Regenerate: `python question_banks/media/make_drawings.py`. No <title> in the files: a tooltip would name the answer.
"""
# ruff: noqa: E501, E701, E702  (drawing data: one SVG element per line reads better than wrapped)
import pathlib

OUT=str(pathlib.Path(__file__).parent)+'/'
RED='#C8102E'; YEL='#F2C300'; BLUE='#0056A7'; GREEN='#00843D'; BLK='#000000'; WHT='#FFFFFF'
def svg(w,h,body,title):
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img">{body}</svg>\n'
def prohibition(picto,title):
    # white ground, red ring, black pictogram under a red bar (45°, top-left to bottom-right)
    body=(f'<rect x="0" y="0" width="200" height="200" fill="{WHT}"/>'
          f'<g>{picto}</g>'
          f'<circle cx="100" cy="100" r="82" fill="none" stroke="{RED}" stroke-width="16"/>'
          f'<line x1="42" y1="42" x2="158" y2="158" stroke="{RED}" stroke-width="16"/>')
    return svg(200,200,body,title)
def warning(picto,title):
    body=(f'<rect x="0" y="0" width="200" height="180" fill="{WHT}"/>'
          f'<polygon points="100,8 192,170 8,170" fill="{YEL}" stroke="{BLK}" stroke-width="10" stroke-linejoin="round"/>'
          f'<g>{picto}</g>')
    return svg(200,180,body,title)
def mandatory(picto,title):
    body=(f'<rect x="0" y="0" width="200" height="200" fill="{WHT}"/>'
          f'<circle cx="100" cy="100" r="90" fill="{BLUE}"/><g>{picto}</g>')
    return svg(200,200,body,title)
def information(picto,title):
    body=(f'<rect x="0" y="0" width="240" height="160" fill="{GREEN}" rx="6"/><g>{picto}</g>')
    return svg(240,160,body,title)
B=BLK; W=WHT
signs = {
 # 禁止标志
 'no-smoking': prohibition(f'<rect x="40" y="100" width="100" height="18" fill="{B}"/><rect x="140" y="100" width="16" height="18" fill="#777"/>'
                           f'<path d="M150 92 q-10 -14 0 -26 q10 -12 0 -26" fill="none" stroke="{B}" stroke-width="5"/>','禁止吸烟'),
 'no-fire': prohibition(f'<path d="M100 150 C70 150 60 120 78 96 C84 110 92 112 92 100 C92 80 104 66 112 52 C116 78 140 92 130 124 C126 140 116 150 100 150 Z" fill="{B}"/>','禁止烟火'),
 'no-switching': prohibition(f'<rect x="60" y="120" width="80" height="14" fill="{B}"/><circle cx="80" cy="127" r="9" fill="{B}"/>'
                             f'<line x1="80" y1="127" x2="132" y2="76" stroke="{B}" stroke-width="9"/><circle cx="132" cy="120" r="6" fill="{W}" stroke="{B}" stroke-width="4"/>','禁止合闸'),
 'no-touching': prohibition(f'<path d="M80 150 L80 90 Q80 80 88 80 Q96 80 96 90 L96 70 Q96 60 104 60 Q112 60 112 70 L112 78 Q112 70 120 70 Q128 70 128 80 L128 128 Q128 150 108 150 Z" fill="{B}"/>','禁止触摸'),
 'no-water': prohibition(f'<path d="M100 50 C100 50 70 95 70 115 A30 30 0 0 0 130 115 C130 95 100 50 100 50 Z" fill="{B}"/>','禁止用水灭火'),
 'no-climbing': prohibition(f'<line x1="76" y1="50" x2="76" y2="155" stroke="{B}" stroke-width="8"/><line x1="124" y1="50" x2="124" y2="155" stroke="{B}" stroke-width="8"/>'
                            + ''.join(f'<line x1="76" y1="{y}" x2="124" y2="{y}" stroke="{B}" stroke-width="7"/>' for y in (65,90,115,140)),'禁止攀登'),
 # 警告标志
 'warn-electric': warning(f'<polygon points="108,58 80,118 100,118 88,156 124,100 104,100 118,58" fill="{B}"/>','当心触电'),
 'warn-fire': warning(f'<path d="M100 156 C74 156 66 130 80 110 C86 122 92 122 92 112 C92 94 102 82 110 70 C114 92 134 104 126 132 C122 146 112 156 100 156 Z" fill="{B}"/>','当心火灾'),
 'warn-explosion': warning(f'<polygon points="100,66 108,96 134,84 116,108 140,124 110,124 114,154 100,130 86,154 90,124 60,124 84,108 66,84 92,96" fill="{B}"/>','当心爆炸'),
 'warn-fall': warning(f'<rect x="40" y="138" width="50" height="8" fill="{B}"/><circle cx="112" cy="82" r="9" fill="{B}"/>'
                      f'<line x1="108" y1="92" x2="118" y2="122" stroke="{B}" stroke-width="8"/><line x1="112" y1="100" x2="96" y2="92" stroke="{B}" stroke-width="6"/>'
                      f'<line x1="112" y1="100" x2="132" y2="96" stroke="{B}" stroke-width="6"/><line x1="118" y1="122" x2="106" y2="140" stroke="{B}" stroke-width="6"/>'
                      f'<line x1="118" y1="122" x2="134" y2="134" stroke="{B}" stroke-width="6"/>','当心坠落'),
 'warn-falling-objects': warning(f'<rect x="90" y="62" width="22" height="22" fill="{B}" transform="rotate(20 101 73)"/><rect x="110" y="96" width="16" height="16" fill="{B}"/>'
                                 f'<circle cx="86" cy="128" r="8" fill="{B}"/><line x1="84" y1="136" x2="84" y2="156" stroke="{B}" stroke-width="7"/>','当心落物'),
 'warn-toxic': warning(f'<circle cx="100" cy="100" r="22" fill="{B}"/><rect x="88" y="116" width="24" height="16" fill="{B}"/>'
                       f'<circle cx="92" cy="98" r="6" fill="{YEL}"/><circle cx="108" cy="98" r="6" fill="{YEL}"/>'
                       f'<line x1="72" y1="140" x2="128" y2="156" stroke="{B}" stroke-width="7"/><line x1="128" y1="140" x2="72" y2="156" stroke="{B}" stroke-width="7"/>','当心中毒'),
 # 指令标志
 'must-helmet': mandatory(f'<path d="M52 122 Q52 66 100 62 Q148 66 148 122 Z" fill="{W}"/><rect x="44" y="120" width="112" height="12" rx="4" fill="{W}"/>'
                          f'<rect x="94" y="62" width="12" height="58" fill="{BLUE}" opacity="0.35"/>','必须戴安全帽'),
 'must-harness': mandatory(f'<circle cx="100" cy="52" r="12" fill="{W}"/><rect x="84" y="68" width="32" height="56" rx="6" fill="{W}"/>'
                           f'<line x1="84" y1="74" x2="116" y2="120" stroke="{BLUE}" stroke-width="5"/><line x1="116" y1="74" x2="84" y2="120" stroke="{BLUE}" stroke-width="5"/>'
                           f'<line x1="90" y1="124" x2="84" y2="160" stroke="{W}" stroke-width="10"/><line x1="110" y1="124" x2="116" y2="160" stroke="{W}" stroke-width="10"/>'
                           f'<path d="M100 68 Q130 40 150 46" fill="none" stroke="{W}" stroke-width="4"/>','必须系安全带'),
 'must-goggles': mandatory(f'<rect x="46" y="84" width="108" height="34" rx="14" fill="{W}"/><circle cx="76" cy="101" r="11" fill="{BLUE}"/><circle cx="124" cy="101" r="11" fill="{BLUE}"/>'
                           f'<line x1="40" y1="98" x2="160" y2="98" stroke="{W}" stroke-width="5"/>','必须戴防护眼镜'),
 'must-gloves': mandatory(f'<path d="M78 156 L78 96 Q78 86 86 86 Q92 86 92 96 L92 66 Q92 58 99 58 Q106 58 106 66 L106 62 Q106 54 113 54 Q120 54 120 62 L120 96 L128 84 Q134 76 140 82 Q144 88 138 98 L120 132 L120 156 Z" fill="{W}"/>','必须戴防护手套'),
 'must-shoes': mandatory(f'<path d="M72 56 L104 56 L104 124 L146 132 Q152 134 152 142 L152 150 L72 150 Z" fill="{W}"/>','必须穿绝缘鞋'),
 # 提示标志
 'info-exit': information(f'<rect x="150" y="26" width="60" height="108" fill="none" stroke="{W}" stroke-width="8"/>'
                          f'<circle cx="96" cy="42" r="11" fill="{W}"/><line x1="92" y1="56" x2="84" y2="96" stroke="{W}" stroke-width="11"/>'
                          f'<line x1="84" y1="96" x2="62" y2="128" stroke="{W}" stroke-width="9"/><line x1="84" y1="96" x2="110" y2="124" stroke="{W}" stroke-width="9"/>'
                          f'<line x1="90" y1="66" x2="66" y2="76" stroke="{W}" stroke-width="7"/><line x1="90" y1="66" x2="118" y2="70" stroke="{W}" stroke-width="7"/>'
                          f'<polygon points="122,80 146,80 146,70 164,86 146,102 146,92 122,92" fill="{W}"/>','紧急出口'),
 'info-first-aid': information(f'<rect x="100" y="40" width="40" height="80" fill="{W}"/><rect x="80" y="60" width="80" height="40" fill="{W}"/>','急救点'),
}
for k,v in signs.items(): open(OUT+'signs/'+k+'.svg','w').write(v)
# ---- circuits
def line(x1,y1,x2,y2,w=3): return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{B}" stroke-width="{w}"/>'
def text(x,y,s,size=16,anchor="middle"): return f'<text x="{x}" y="{y}" font-size="{size}" font-family="sans-serif" text-anchor="{anchor}" fill="{B}">{s}</text>'
def res(x,y,label,vertical=False):
    if vertical: return f'<rect x="{x-10}" y="{y}" width="20" height="50" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(x+34,y+30,label)
    return f'<rect x="{x}" y="{y-10}" width="50" height="20" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(x+25,y-16,label)
bg=f'<rect x="0" y="0" width="320" height="180" fill="{W}"/>'
circuits={
 'series-2x10ohm': svg(320,180,bg+line(20,90,80,90)+res(80,90,'R1 = 10 Ω')+line(130,90,180,90)+res(180,90,'R2 = 10 Ω')+line(230,90,300,90)
                      +f'<circle cx="20" cy="90" r="5" fill="{B}"/><circle cx="300" cy="90" r="5" fill="{B}"/>'+text(20,120,'A')+text(300,120,'B'),'两只电阻串联'),
 'parallel-2x10ohm': svg(320,180,bg+line(20,90,80,90)+line(80,40,80,140)+line(80,40,135,40)+res(135,40,'R1 = 10 Ω')+line(185,40,240,40)
                        +line(80,140,135,140)+res(135,140,'R2 = 10 Ω')+line(185,140,240,140)+line(240,40,240,140)+line(240,90,300,90)
                        +f'<circle cx="20" cy="90" r="5" fill="{B}"/><circle cx="300" cy="90" r="5" fill="{B}"/>'+text(20,120,'A')+text(300,120,'B'),'两只电阻并联'),
}
def lamp_circuit(switch_on):
    # L on top, N at bottom; lamp between; switch in the named conductor
    s=bg+text(16,46,'L',18,'start')+text(16,146,'N',18,'start')+line(34,40,300,40)+line(34,140,300,140)
    s+=f'<circle cx="200" cy="90" r="18" fill="{W}" stroke="{B}" stroke-width="3"/>'+line(187,77,213,103)+line(213,77,187,103)
    s+=line(200,40,200,72)+line(200,108,200,140)
    sw_y=40 if switch_on=='L' else 140
    # draw an open switch symbol in the conductor at x=110..150
    s+=f'<rect x="104" y="{sw_y-6}" width="52" height="12" fill="{W}"/>'
    s+=f'<circle cx="110" cy="{sw_y}" r="4" fill="{B}"/><circle cx="150" cy="{sw_y}" r="4" fill="{B}"/>'+line(110,sw_y,146,sw_y-22)
    s+=text(130,sw_y+(30 if switch_on=='N' else -14) if False else sw_y+28,'S',14)
    return svg(320,180,s,'照明电路接线图')
circuits['lamp-switch-in-L']=lamp_circuit('L')
circuits['lamp-switch-in-N']=lamp_circuit('N')
# three-hole socket, facing it: top = PE, left = N, right = L (labelled by wire colour only)
sock=(f'<rect x="0" y="0" width="240" height="200" fill="{W}"/><rect x="30" y="20" width="180" height="160" rx="16" fill="#F4F4F4" stroke="{B}" stroke-width="3"/>'
      f'<rect x="112" y="50" width="16" height="34" fill="{B}"/>'
      f'<rect x="72" y="110" width="12" height="30" fill="{B}" transform="rotate(30 78 125)"/><rect x="156" y="110" width="12" height="30" fill="{B}" transform="rotate(-30 162 125)"/>'
      +text(120,40,'①',16)+text(60,160,'②',16)+text(180,160,'③',16))
circuits['socket-3-hole']=svg(240,200,sock,'单相三孔插座（面对插座）')
# TN-S: five conductors L1 L2 L3 N PE from a transformer; a motor's frame on PE
tn=bg+''.join(line(60,y,300,y)+text(40,y+6,n,15) for y,n in ((30,'L1'),(55,'L2'),(80,'L3'),(105,'N'),(130,'PE')))
tn+=f'<circle cx="250" cy="160" r="14" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(250,166,'M',14)+line(240,30,240,146,2)+line(250,55,250,146,2)+line(260,80,260,146,2)
tn+=f'<line x1="270" y1="130" x2="270" y2="160" stroke="{B}" stroke-width="2" stroke-dasharray="4 3"/>'+line(264,160,270,160,2)
circuits['tn-s-system']=svg(320,180,tn,'低压配电系统接线示意图')
for k,v in circuits.items(): open(OUT+'circuits/'+k+'.svg','w').write(v)
# ---- PPE and equipment
ppe={
 'helmet': svg(220,160,f'<rect width="220" height="160" fill="{W}"/><path d="M40 110 Q40 40 110 36 Q180 40 180 110 Z" fill="{YEL}" stroke="{B}" stroke-width="3"/>'
              f'<rect x="24" y="106" width="172" height="14" rx="6" fill="{YEL}" stroke="{B}" stroke-width="3"/><path d="M70 120 Q110 160 150 120" fill="none" stroke="{B}" stroke-width="3"/>'
              f'<line x1="110" y1="38" x2="110" y2="106" stroke="{B}" stroke-width="2"/>','安全帽'),
 'harness': svg(200,240,f'<rect width="200" height="240" fill="{W}"/><circle cx="100" cy="30" r="16" fill="none" stroke="#999" stroke-width="2"/>'
               f'<path d="M76 50 L124 50 L132 150 L68 150 Z" fill="none" stroke="#999" stroke-width="2"/>'
               f'<line x1="82" y1="50" x2="118" y2="150" stroke="{RED}" stroke-width="8"/><line x1="118" y1="50" x2="82" y2="150" stroke="{RED}" stroke-width="8"/>'
               f'<line x1="82" y1="50" x2="82" y2="150" stroke="{RED}" stroke-width="6"/><line x1="118" y1="50" x2="118" y2="150" stroke="{RED}" stroke-width="6"/>'
               f'<path d="M68 150 Q80 190 96 200" fill="none" stroke="{RED}" stroke-width="7"/><path d="M132 150 Q120 190 104 200" fill="none" stroke="{RED}" stroke-width="7"/>'
               f'<circle cx="100" cy="44" r="7" fill="none" stroke="{B}" stroke-width="4"/><path d="M100 44 Q150 20 170 40" fill="none" stroke="{B}" stroke-width="4"/>','全身式安全带'),
 'insulating-gloves': svg(200,220,f'<rect width="200" height="220" fill="{W}"/>'
                          f'<path d="M60 210 L60 110 L40 80 Q34 70 44 66 Q52 64 58 74 L70 92 L70 40 Q70 30 80 30 Q90 30 90 40 L90 30 Q90 20 100 20 Q110 20 110 30 L110 34 Q110 26 120 26 Q130 26 130 36 L130 50 Q130 42 140 42 Q150 42 150 52 L150 210 Z" fill="{RED}" stroke="{B}" stroke-width="3"/>'
                          +text(105,180,'AC 1 kV',14),'绝缘手套'),
 'welding-mask': svg(200,220,f'<rect width="200" height="220" fill="{W}"/><path d="M40 30 Q100 0 160 30 L170 170 Q100 215 30 170 Z" fill="#333" stroke="{B}" stroke-width="3"/>'
                     f'<rect x="62" y="70" width="76" height="40" rx="4" fill="#1F5E3A" stroke="#888" stroke-width="3"/><rect x="80" y="180" width="40" height="28" rx="4" fill="#555"/>','焊接面罩'),
 'cylinder-oxygen': svg(120,260,f'<rect width="120" height="260" fill="{W}"/><rect x="30" y="60" width="60" height="190" rx="26" fill="#6CB4E4" stroke="{B}" stroke-width="3"/>'
                        f'<rect x="52" y="30" width="16" height="32" fill="#888" stroke="{B}" stroke-width="2"/><circle cx="60" cy="24" r="10" fill="#888" stroke="{B}" stroke-width="2"/>','气瓶（淡蓝色瓶体）'),
 'cylinder-acetylene': svg(120,260,f'<rect width="120" height="260" fill="#E8E8E8"/><rect x="26" y="60" width="68" height="190" rx="20" fill="{W}" stroke="{B}" stroke-width="3"/>'
                           f'<rect x="52" y="30" width="16" height="32" fill="#888" stroke="{B}" stroke-width="2"/><circle cx="60" cy="24" r="10" fill="#888" stroke="{B}" stroke-width="2"/>','气瓶（白色瓶体）'),
}
for k,v in ppe.items(): open(OUT+'ppe/'+k+'.svg','w').write(v)
print(len(signs)+len(circuits)+len(ppe))
# --- drawings added for T-2.1-exam and T-3.2-exam ---
def _person(x,y,c=B,s=1.0):
    # a simple standing figure: head at (x,y)
    return (f'<circle cx="{x}" cy="{y}" r="{9*s}" fill="{c}"/><line x1="{x}" y1="{y+10*s}" x2="{x}" y2="{y+46*s}" stroke="{c}" stroke-width="{9*s}"/>'
            f'<line x1="{x}" y1="{y+18*s}" x2="{x-18*s}" y2="{y+36*s}" stroke="{c}" stroke-width="{6*s}"/><line x1="{x}" y1="{y+18*s}" x2="{x+18*s}" y2="{y+36*s}" stroke="{c}" stroke-width="{6*s}"/>'
            f'<line x1="{x}" y1="{y+46*s}" x2="{x-12*s}" y2="{y+76*s}" stroke="{c}" stroke-width="{7*s}"/><line x1="{x}" y1="{y+46*s}" x2="{x+12*s}" y2="{y+76*s}" stroke="{c}" stroke-width="{7*s}"/>')
extra_signs = {
 # 禁止放易燃物: a can with a flame beside it
 'wd-no-flammables': prohibition(f'<rect x="62" y="88" width="44" height="62" rx="4" fill="{B}"/><rect x="72" y="78" width="14" height="12" fill="{B}"/>'
                                 f'<path d="M128 150 C112 150 106 134 116 120 C120 128 124 128 124 122 C124 110 130 102 135 94 C138 108 150 116 145 134 C142 144 136 150 128 150 Z" fill="{B}"/>','禁止放易燃物'),
 # 当心弧光: an electrode over a plate with rays
 'wd-warn-arc': warning(f'<line x1="86" y1="70" x2="100" y2="128" stroke="{B}" stroke-width="8"/><rect x="64" y="140" width="72" height="10" fill="{B}"/>'
                        + ''.join(f'<line x1="{100+dx*0.45:.0f}" y1="{134+dy*0.45:.0f}" x2="{100+dx:.0f}" y2="{134+dy:.0f}" stroke="{B}" stroke-width="5"/>' for dx,dy in ((-34,-6),(34,-6),(-24,-26),(24,-26),(0,-34))),'当心弧光'),
 # 禁止抛物: a figure throwing an object downwards
 't32-no-throwing': prohibition(_person(78,56,B,0.9)+f'<circle cx="134" cy="92" r="9" fill="{B}"/><path d="M104 76 Q124 70 132 84" fill="none" stroke="{B}" stroke-width="4" stroke-dasharray="5 4"/>'
                                f'<line x1="134" y1="106" x2="134" y2="140" stroke="{B}" stroke-width="4" stroke-dasharray="5 4"/>','禁止抛物'),
 # 当心滑倒: a figure falling backwards on a slippery floor
 't32-warn-slip': warning(f'<line x1="52" y1="152" x2="148" y2="152" stroke="{B}" stroke-width="6"/><circle cx="74" cy="96" r="9" fill="{B}"/>'
                          f'<line x1="80" y1="104" x2="110" y2="130" stroke="{B}" stroke-width="9"/><line x1="110" y1="130" x2="134" y2="112" stroke="{B}" stroke-width="7"/>'
                          f'<line x1="110" y1="130" x2="96" y2="148" stroke="{B}" stroke-width="7"/><line x1="88" y1="110" x2="70" y2="128" stroke="{B}" stroke-width="6"/>'
                          f'<line x1="92" y1="114" x2="108" y2="100" stroke="{B}" stroke-width="6"/>','当心滑倒'),
}
for k,v in extra_signs.items(): open(OUT+'signs/'+k+'.svg','w').write(v)
# gas hoses (red and blue, shown side by side, unlabeled)
hoses=(f'<rect width="300" height="160" fill="{W}"/>'
       f'<path d="M20 50 C100 10 180 90 280 50" fill="none" stroke="#C8102E" stroke-width="16"/>'
       f'<path d="M20 110 C100 70 180 150 280 110" fill="none" stroke="#1F4FA0" stroke-width="16"/>'
       +text(14,44,'①',16,'start')+text(14,104,'②',16,'start'))
# an acetylene-type (white) cylinder lying on the ground, connected to a regulator
lying=(f'<rect width="300" height="140" fill="{W}"/><line x1="10" y1="120" x2="290" y2="120" stroke="{B}" stroke-width="3"/>'
       f'<rect x="40" y="58" width="190" height="60" rx="22" fill="{W}" stroke="{B}" stroke-width="3"/>'
       f'<rect x="228" y="80" width="30" height="16" fill="#888" stroke="{B}" stroke-width="2"/><circle cx="266" cy="88" r="10" fill="#888" stroke="{B}" stroke-width="2"/>')
# a straight ladder leaning against a wall, angle with the ground marked 60°
_cos,_sin=0.5,0.8660254037844386  # 60°
_L=200; _x0=60; _y0=230; _x1=_x0+_L*_cos; _y1=_y0-_L*_sin
lad=(f'<rect width="240" height="250" fill="{W}"/><line x1="10" y1="230" x2="230" y2="230" stroke="{B}" stroke-width="4"/>'
     f'<rect x="{_x1+2:.0f}" y="20" width="14" height="210" fill="#BBB" stroke="{B}" stroke-width="2"/>'
     f'<line x1="{_x0:.0f}" y1="{_y0}" x2="{_x1:.0f}" y2="{_y1:.0f}" stroke="{B}" stroke-width="5"/><line x1="{_x0-14:.0f}" y1="{_y0}" x2="{_x1-14:.0f}" y2="{_y1:.0f}" stroke="{B}" stroke-width="5"/>'
     + ''.join(f'<line x1="{_x0-14+t*(_x1-_x0):.0f}" y1="{_y0-t*(_y0-_y1):.0f}" x2="{_x0+t*(_x1-_x0):.0f}" y2="{_y0-t*(_y0-_y1):.0f}" stroke="{B}" stroke-width="3"/>' for t in (0.15,0.3,0.45,0.6,0.75,0.9))
     + f'<path d="M{_x0+40} {_y0} A40 40 0 0 0 {_x0+40*_cos:.0f} {_y0-40*_sin:.0f}" fill="none" stroke="{B}" stroke-width="2"/>'+text(_x0+56,_y0-12,'60°',14))
# edge guardrail with numbered parts: ① top rail, ② middle rail, ③ toe board, ④ post
rail=(f'<rect width="320" height="200" fill="{W}"/><rect x="10" y="170" width="300" height="20" fill="#BBB" stroke="{B}" stroke-width="2"/>'
      f'<line x1="40" y1="40" x2="40" y2="170" stroke="{B}" stroke-width="6"/><line x1="280" y1="40" x2="280" y2="170" stroke="{B}" stroke-width="6"/>'
      f'<line x1="30" y1="44" x2="290" y2="44" stroke="{B}" stroke-width="6"/><line x1="30" y1="104" x2="290" y2="104" stroke="{B}" stroke-width="5"/>'
      f'<rect x="36" y="146" width="248" height="24" fill="{YEL}" stroke="{B}" stroke-width="2"/>'
      +text(160,34,'①',16)+text(160,96,'②',16)+text(160,164,'③',16)+text(56,80,'④',16))
# harness lanyard anchored below the waist (person standing on a platform edge)
low=(f'<rect width="240" height="240" fill="{W}"/><rect x="10" y="200" width="150" height="14" fill="#BBB" stroke="{B}" stroke-width="2"/>'
     + _person(100,101,B,1.3)
     + f'<line x1="30" y1="200" x2="30" y2="188" stroke="{B}" stroke-width="6"/><circle cx="30" cy="183" r="6" fill="none" stroke="{B}" stroke-width="3"/>'
     f'<path d="M100 124 Q60 165 35 181" fill="none" stroke="{RED}" stroke-width="4"/>')
equip={'wd-gas-hoses':svg(300,160,hoses,''),'wd-cylinder-lying':svg(300,140,lying,''),'t32-ladder-60':svg(240,250,lad,''),
       't32-edge-guardrail':svg(320,200,rail,''),'t32-anchor-low':svg(240,240,low,'')}
for k,v in equip.items(): open(OUT+'ppe/'+k+'.svg','w').write(v)
print(len(extra_signs)+len(equip))
# --- drawings added for FW-RETAIL-PRINCIPAL-exam and MANAGER-GENERAL-exam ---
import math  # noqa: E402, I001
pathlib.Path(OUT+'equipment').mkdir(exist_ok=True)
def gauge(angle):
    # a stored-pressure extinguisher gauge: red arc (left), green arc (middle), yellow arc (right); needle at `angle` degrees (180 = far left, 0 = far right)
    def arc(a1,a2,colour):
        x1,y1=100+70*math.cos(math.radians(a1)),110-70*math.sin(math.radians(a1)); x2,y2=100+70*math.cos(math.radians(a2)),110-70*math.sin(math.radians(a2))
        return f'<path d="M{x1:.1f} {y1:.1f} A70 70 0 0 1 {x2:.1f} {y2:.1f}" fill="none" stroke="{colour}" stroke-width="16"/>'
    nx,ny=100+58*math.cos(math.radians(angle)),110-58*math.sin(math.radians(angle))
    body=(f'<rect width="200" height="210" fill="{W}"/><circle cx="100" cy="110" r="92" fill="#F4F4F4" stroke="{B}" stroke-width="4"/>'
          +arc(170,120,RED)+arc(118,62,GREEN)+arc(60,10,YEL)
          +f'<line x1="100" y1="110" x2="{nx:.1f}" y2="{ny:.1f}" stroke="{B}" stroke-width="5"/><circle cx="100" cy="110" r="8" fill="{B}"/>')
    return svg(200,210,body,'灭火器压力表')
equipment={'extinguisher-gauge-red': gauge(150),'extinguisher-gauge-green': gauge(90),'extinguisher-gauge-yellow': gauge(32)}
# a portable extinguisher, parts numbered only: ① pin ② squeeze lever ③ hose and nozzle ④ gauge
ext=(f'<rect width="220" height="280" fill="{W}"/><rect x="70" y="90" width="80" height="180" rx="30" fill="{RED}" stroke="{B}" stroke-width="3"/>'
     f'<rect x="98" y="64" width="24" height="28" fill="#777" stroke="{B}" stroke-width="2"/>'
     f'<path d="M96 64 L60 48 L64 40 L108 58 Z" fill="#444"/><path d="M110 64 L150 44 L154 52 L118 70 Z" fill="#444"/>'
     f'<circle cx="126" cy="70" r="6" fill="none" stroke="{YEL}" stroke-width="3"/><line x1="120" y1="72" x2="100" y2="74" stroke="{YEL}" stroke-width="3"/>'
     f'<circle cx="110" cy="104" r="11" fill="{W}" stroke="{B}" stroke-width="2"/><line x1="110" y1="104" x2="116" y2="97" stroke="{B}" stroke-width="2"/>'
     f'<path d="M104 80 Q40 90 44 200 L34 236" fill="none" stroke="{B}" stroke-width="6"/><rect x="26" y="234" width="16" height="24" fill="#333"/>'
     +text(150,80,'①',16)+text(170,48,'②',16)+text(22,190,'③',16)+text(140,118,'④',16))
equipment['extinguisher']=svg(220,280,ext,'手提式灭火器')
for k,v in equipment.items(): open(OUT+'equipment/'+k+'.svg','w').write(v)
more_signs={
 'warn-general': warning(f'<rect x="92" y="64" width="16" height="60" rx="4" fill="{B}"/><circle cx="100" cy="142" r="9" fill="{B}"/>','注意安全'),
 # fire-equipment sign: red square ground, white pictogram of a portable extinguisher
 'fire-extinguisher': svg(200,200,f'<rect width="200" height="200" fill="{RED}"/><rect x="80" y="70" width="44" height="104" rx="16" fill="{W}"/>'
                          f'<rect x="94" y="50" width="16" height="22" fill="{W}"/><path d="M110 56 L140 44 L142 52 L114 64 Z" fill="{W}"/>'
                          f'<path d="M96 58 Q56 64 58 130" fill="none" stroke="{W}" stroke-width="7"/>','灭火器标志'),
}
for k,v in more_signs.items(): open(OUT+'signs/'+k+'.svg','w').write(v)

# --- drawings added for PRINCIPAL-HAZCHEM-exam and T-1.2-exam ---
# GHS label pictograms (GB 30000 / GB 15258: black symbol on white ground in a red diamond), two GB 2894 shapes,
# and low-voltage diagrams. File names: signs/hz-*, circuits/lv-*.
def ghs(picto):
    body=(f'<rect x="0" y="0" width="200" height="200" fill="{W}"/>'
          f'<polygon points="100,8 192,100 100,192 8,100" fill="{W}" stroke="{RED}" stroke-width="12" stroke-linejoin="miter"/>'
          f'<g>{picto}</g>')
    return svg(200,200,body,'')
FLAME='<path d="M100 138 C80 138 72 118 84 102 C88 112 94 112 94 104 C94 88 102 78 108 66 C112 84 128 94 122 118 C119 130 110 138 100 138 Z" fill="#000000"/>'
hz={
 'hz-ghs-flame': ghs(FLAME+line(74,144,126,144,6)),
 'hz-ghs-flame-over-circle': ghs('<path d="M100 104 C86 104 80 92 88 82 C91 88 95 88 95 83 C95 74 100 68 104 60 C107 71 116 77 112 92 C110 100 106 104 100 104 Z" fill="#000000"/>'
                                 f'<circle cx="100" cy="124" r="18" fill="none" stroke="{B}" stroke-width="8"/>'+line(72,150,128,150,6)),
 'hz-ghs-skull': ghs(f'<circle cx="100" cy="90" r="24" fill="{B}"/><rect x="88" y="106" width="24" height="16" fill="{B}"/>'
                     f'<circle cx="91" cy="88" r="6" fill="{W}"/><circle cx="109" cy="88" r="6" fill="{W}"/>'
                     f'<line x1="70" y1="130" x2="130" y2="150" stroke="{B}" stroke-width="8"/><line x1="130" y1="130" x2="70" y2="150" stroke="{B}" stroke-width="8"/>'),
 'hz-ghs-corrosion': ghs(f'<rect x="62" y="52" width="14" height="36" fill="{B}" transform="rotate(-35 69 70)"/><rect x="124" y="52" width="14" height="36" fill="{B}" transform="rotate(35 131 70)"/>'
                         f'<circle cx="84" cy="98" r="4" fill="{B}"/><circle cx="84" cy="112" r="4" fill="{B}"/><circle cx="116" cy="98" r="4" fill="{B}"/><circle cx="116" cy="112" r="4" fill="{B}"/>'
                         f'<path d="M56 128 L92 128 L92 136 L84 142 L76 134 L68 142 L56 142 Z" fill="{B}"/>'
                         f'<path d="M104 140 L104 128 Q104 122 110 122 L142 122 L142 130 L124 130 L124 140 Z" fill="{B}"/>'+line(50,150,150,150,6)),
 'hz-ghs-gas-cylinder': ghs(f'<rect x="56" y="88" width="84" height="36" rx="18" fill="{B}"/><rect x="138" y="98" width="12" height="16" fill="{B}"/>'),
 'hz-ghs-exclamation': ghs(f'<rect x="92" y="54" width="16" height="64" rx="6" fill="{B}"/><circle cx="100" cy="136" r="10" fill="{B}"/>'),
 'hz-ghs-health': ghs(f'<circle cx="100" cy="66" r="14" fill="{B}"/><path d="M66 148 L66 104 Q66 86 84 84 L116 84 Q134 86 134 104 L134 148 Z" fill="{B}"/>'
                      f'<polygon points="100,96 105,110 120,110 108,119 113,134 100,125 87,134 92,119 80,110 95,110" fill="{W}"/>'),
 'hz-warn-corrosion': warning(f'<rect x="72" y="64" width="12" height="30" fill="{B}" transform="rotate(-35 78 79)"/><rect x="116" y="64" width="12" height="30" fill="{B}" transform="rotate(35 122 79)"/>'
                              f'<circle cx="90" cy="106" r="4" fill="{B}"/><circle cx="110" cy="106" r="4" fill="{B}"/><circle cx="90" cy="118" r="4" fill="{B}"/><circle cx="110" cy="118" r="4" fill="{B}"/>'
                              f'<path d="M66 148 L96 148 L96 156 L66 156 Z" fill="{B}"/><path d="M106 156 L106 146 Q106 140 112 140 L136 140 L136 156 Z" fill="{B}"/>',''),
 'hz-must-respirator': mandatory(f'<circle cx="100" cy="84" r="34" fill="{W}"/><circle cx="86" cy="78" r="9" fill="{BLUE}"/><circle cx="114" cy="78" r="9" fill="{BLUE}"/>'
                                 f'<rect x="86" y="110" width="28" height="22" rx="6" fill="{W}"/><circle cx="100" cy="148" r="16" fill="{W}"/><circle cx="100" cy="148" r="6" fill="{BLUE}"/>',''),
 'hz-ghs-environment': ghs(line(72,140,72,76,7)+line(72,96,56,78,5)+line(72,108,90,88,5)+line(72,84,84,66,4)+line(56,140,132,140,5)
                           +f'<path d="M96 124 Q116 108 136 124 Q116 138 96 124 Z" fill="{B}"/><polygon points="136,124 148,114 148,134" fill="{B}"/><circle cx="106" cy="122" r="2.5" fill="{W}"/>'),
}
for k,v in hz.items(): open(OUT+'signs/'+k+'.svg','w').write(v)
def dot(x,y,r=4): return f'<circle cx="{x}" cy="{y}" r="{r}" fill="{B}"/>'
def earth(x,y): return line(x,y,x,y+12,2)+line(x-12,y+12,x+12,y+12,3)+line(x-8,y+17,x+8,y+17,3)+line(x-4,y+22,x+4,y+22,3)
def motor(x,y): return f'<circle cx="{x}" cy="{y}" r="14" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(x,y+6,'M',14)
lv={}
# Ohm's law: a source U = 12 V and one resistor R = 4 Ω with an ammeter A in the loop
lv['lv-ohm-12v-4ohm']=svg(320,180,bg+line(60,40,260,40)+line(60,140,260,140)+line(60,40,60,72)+line(60,108,60,140)
                           +line(44,72,76,72,4)+line(50,82,70,82,7)+line(44,92,76,92,4)+line(50,102,70,102,7)+text(26,92,'U',16)+text(30,120,'12 V',13)
                           +res(260,65,'',True)+line(260,40,260,65)+line(260,115,260,140)+text(292,84,'R',16)+text(292,104,'4 Ω',13)
                           +f'<circle cx="160" cy="40" r="15" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(160,46,'A',15),'')
# R1 in series with R2 ∥ R3
lv['lv-mixed-3r']=svg(340,180,f'<rect x="0" y="0" width="340" height="180" fill="{W}"/>'+line(20,90,60,90)+res(60,90,'R1 = 5 Ω')+line(110,90,150,90)+line(150,40,150,140)
                      +line(150,40,190,40)+res(190,40,'R2 = 10 Ω')+line(240,40,280,40)+line(150,140,190,140)+res(190,140,'R3 = 10 Ω')+line(240,140,280,140)
                      +line(280,40,280,140)+line(280,90,320,90)+dot(20,90,5)+dot(320,90,5)+text(20,120,'A')+text(320,120,'B'),'')
# motor terminal box: top W2 U2 V2, bottom U1 V1 W1; links drawn as thick bars
def terminal_box(links):
    s=f'<rect x="0" y="0" width="280" height="180" fill="{W}"/><rect x="30" y="20" width="220" height="140" rx="10" fill="#F4F4F4" stroke="{B}" stroke-width="3"/>'
    for (x,n) in ((80,'W2'),(140,'U2'),(200,'V2')): s+=f'<circle cx="{x}" cy="60" r="10" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(x,40,n,14)
    for (x,n) in ((80,'U1'),(140,'V1'),(200,'W1')): s+=f'<circle cx="{x}" cy="120" r="10" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(x,150,n,14)
    for (x1,y1,x2,y2) in links: s+=f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#8B5A00" stroke-width="9" stroke-linecap="round"/>'
    return svg(280,180,s,'')
lv['lv-motor-box-star']=terminal_box([(80,60,200,60)])
lv['lv-motor-box-delta']=terminal_box([(80,60,80,120),(140,60,140,120),(200,60,200,120)])
# supply systems: conductors from the left, the source's earthing at the left, one motor's frame at the right
def system(names,source_earth,frame_to):
    s=bg
    ys=[30+25*i for i in range(len(names))]
    for y,n in zip(ys,names): s+=line(70,y,300,y)+text(48,y+6,n,15)
    if source_earth: s+=dot(90,ys[-1],5)+earth(90,ys[-1])  # the source's earthing, at the supply end
    s+=motor(250,160)+line(240,ys[0],240,146,2)+line(250,ys[1],250,146,2)+line(260,ys[2],260,146,2)
    if frame_to=='conductor': s+=f'<line x1="272" y1="{ys[-1]}" x2="272" y2="160" stroke="{B}" stroke-width="2" stroke-dasharray="4 3"/>'+line(264,160,272,160,2)
    else: s+=f'<line x1="264" y1="160" x2="296" y2="160" stroke="{B}" stroke-width="2" stroke-dasharray="4 3"/>'+earth(296,148)
    return svg(320,180,s,'')
lv['lv-system-tn-c']=system(['L1','L2','L3','PEN'],True,'conductor')
lv['lv-system-tt']=system(['L1','L2','L3','N'],True,'earth')
lv['lv-system-it']=system(['L1','L2','L3'],False,'earth')
# start/stop control: FU – SB1 (stop, NC) – SB2 (start, NO) with KM aux contact in parallel – KM coil – FR contact
ctl=f'<rect x="0" y="0" width="360" height="200" fill="{W}"/>'+line(20,40,340,40)+line(20,170,340,170)+text(12,46,'L',15,'start')+text(12,176,'N',15,'start')
ctl+=line(60,40,60,60)+line(60,60,60,80)+line(60,80,60,92)+dot(60,60,3)+dot(60,80,3)+line(48,70,66,70,2)+text(92,76,'SB1',13)
ctl+=line(60,92,60,100)+line(60,100,140,100)
ctl+=line(100,100,100,112)+dot(100,112,3)+line(100,112,114,126)+dot(100,130,3)+line(100,130,100,142)+text(80,128,'SB2',13)
ctl+=line(100,100,100,100)+line(140,100,140,112)+dot(140,112,3)+line(140,112,154,126)+dot(140,130,3)+line(140,130,140,142)+text(172,124,'KM',13)
ctl+=line(100,142,140,142)+line(120,142,120,150)+line(120,150,230,150)
ctl+=f'<rect x="230" y="140" width="40" height="20" fill="{W}" stroke="{B}" stroke-width="3"/>'+text(250,134,'KM',13)+line(270,150,300,150)+line(300,150,300,170)
ctl+=line(160,100,160,100)
lv['lv-start-stop']=svg(360,200,ctl,'')
for k,v in lv.items(): open(OUT+'circuits/'+k+'.svg','w').write(v)
